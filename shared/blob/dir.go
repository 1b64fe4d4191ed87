package blob

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Dir keeps objects as files under a root folder (the local server with
// RIPTIDE_BLOB_DIR set: results survive a restart). The content type is
// kept in a sidecar file "<name>.ctype".
type Dir struct {
	Root string
}

const ctypeSuffix = ".ctype"

// NewDir returns a store rooted at root, creating it.
func NewDir(root string) (*Dir, error) {
	if err := os.MkdirAll(root, 0o750); err != nil {
		return nil, fmt.Errorf("blob dir %s: %w", root, err)
	}
	return &Dir{Root: root}, nil
}

func (d *Dir) path(key string) (string, error) {
	if err := ValidKey(key); err != nil {
		return "", err
	}
	if strings.HasSuffix(key, ctypeSuffix) {
		return "", fmt.Errorf("blob key %q: the suffix %s is reserved", key, ctypeSuffix)
	}
	return filepath.Join(d.Root, filepath.FromSlash(key)), nil
}

// Put implements Store: written to a temporary file and renamed, so a
// reader never sees half an object.
func (d *Dir) Put(_ context.Context, key, contentType string, data []byte) error {
	p, err := d.path(key)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".put-*")
	if err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	fail := func(err error) error {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("put %s: %w", key, err)
	}
	if _, err := tmp.Write(data); err != nil {
		return fail(err)
	}
	if err := tmp.Close(); err != nil {
		return fail(err)
	}
	// The content type lives in a file beside the object; an object put
	// without one (the spider's records, thousands per run) costs one file
	// create, not two, and loses a type an earlier put of the key had.
	if contentType != "" {
		err = os.WriteFile(p+ctypeSuffix, []byte(contentType), 0o640)
	} else if err = os.Remove(p + ctypeSuffix); errors.Is(err, fs.ErrNotExist) {
		err = nil
	}
	if err != nil {
		return fail(err)
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		return fail(err)
	}
	return nil
}

// Get implements Store.
func (d *Dir) Get(_ context.Context, key string) ([]byte, Object, error) {
	p, err := d.path(key)
	if err != nil {
		return nil, Object{}, err
	}
	data, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, Object{}, fmt.Errorf("%s: %w", key, ErrNotFound)
	}
	if err != nil {
		return nil, Object{}, fmt.Errorf("get %s: %w", key, err)
	}
	info, err := os.Stat(p)
	if err != nil {
		return nil, Object{}, fmt.Errorf("get %s: %w", key, err)
	}
	ct, _ := os.ReadFile(p + ctypeSuffix)
	return data, Object{Key: key, Size: info.Size(), ContentType: string(ct), Modified: info.ModTime().UTC()}, nil
}

// Delete implements Store.
func (d *Dir) Delete(_ context.Context, key string) error {
	p, err := d.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s: %w", key, ErrNotFound)
	} else if err != nil {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	_ = os.Remove(p + ctypeSuffix)
	return nil
}

// List implements Store.
func (d *Dir) List(_ context.Context, prefix string) ([]Object, error) {
	var out []Object
	err := filepath.WalkDir(d.Root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() || strings.HasSuffix(p, ctypeSuffix) || strings.HasPrefix(e.Name(), ".put-") {
			return nil
		}
		rel, err := filepath.Rel(d.Root, p)
		if err != nil {
			return err
		}
		key := filepath.ToSlash(rel)
		if !strings.HasPrefix(key, prefix) {
			return nil
		}
		info, err := e.Info()
		if err != nil {
			return err
		}
		ct, _ := os.ReadFile(p + ctypeSuffix)
		out = append(out, Object{Key: key, Size: info.Size(), ContentType: string(ct), Modified: info.ModTime().UTC()})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", prefix, err)
	}
	slices.SortFunc(out, func(a, b Object) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}
