// Package memory is a sessgen driver that keeps sessions in the process's
// memory: for tests and single-process apps. Sessions do not survive a
// restart and are not shared between processes.
//
//	sessions, err := runtime.NewManager(memory.New(), runtime.Options{})
//
// The memory the sessions take is bounded ([Options].MaxBytes, default
// [DefaultMaxBytes]): past the bound, the least recently used sessions are
// evicted, and their visitors get fresh ones. Tests that give the manager a
// fake clock pass the same one as [Options].Clock to [NewWithOptions]. See
// docs/runtime.md of the repository.
package memory
