// Package version reports the build's version, set at link time:
// -ldflags "-X github.com/riptidecrawler/riptide/shared/version.Version=v0.1.0".
package version

import "runtime/debug"

// Version and Commit are overwritten by the linker in release builds.
var (
	Version = "dev"
	Commit  = ""
)

// String returns "version (commit)" or just the version.
func String() string {
	c := Commit
	if c == "" {
		if bi, ok := debug.ReadBuildInfo(); ok {
			for _, s := range bi.Settings {
				if s.Key == "vcs.revision" && len(s.Value) >= 12 {
					c = s.Value[:12]
				}
			}
		}
	}
	if c == "" {
		return Version
	}
	return Version + " (" + c + ")"
}
