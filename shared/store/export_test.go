package store

import "context"

// Migrations is the chain, for tests that run each step both ways.
func Migrations() []Migration { return migrations }

// MigrateWith runs Migrate over another chain (tests of the lock).
func MigrateWith(ctx context.Context, s *Store, chain []Migration, o MigrateOptions) (MigrateResult, error) {
	return s.migrate(ctx, chain, o)
}

// AuditIndexKey is the index key of an actor ("actor") or tenant ("tenant").
func AuditIndexKey(s *Store, kind, name string) string {
	a := NewAuditLog(s)
	if kind == "actor" {
		return a.actorIndex(name)
	}
	return a.tenantIndex(name)
}
