package runtime

import "unsafe"

// Lookup returns the data key's value decoded as T. A value that does not
// decode is reported once through the manager's error log and reads as
// absent.
func Lookup[T any](s *Session, key string, c Codec[T]) (T, bool) {
	b, ok := s.Get(key)
	return decodeOrReport(s, key, c, b, ok)
}

// LookupFlash is [Lookup] for a flash key.
func LookupFlash[T any](s *Session, key string, c Codec[T]) (T, bool) {
	b, ok := s.Flashed(key)
	return decodeOrReport(s, key, c, b, ok)
}

// Pull returns the data key's value decoded as T and deletes the key.
func Pull[T any](s *Session, key string, c Codec[T]) (T, bool) {
	b, ok := s.Pull(key)
	return decodeOrReport(s, key, c, b, ok)
}

func decodeOrReport[T any](s *Session, key string, c Codec[T], b []byte, ok bool) (T, bool) {
	var zero T
	if !ok {
		return zero, false
	}
	v, err := Decode(c, b)
	if err != nil {
		s.reportError(key, err)
		return zero, false
	}
	return v, true
}

// Store encodes v and stores it under the data key. An encoding failure is
// reported through the manager's error log and leaves the key unchanged.
func Store[T any](s *Session, key string, v T, c Codec[T]) {
	if b, ok := encodeOrReport(s, key, c, v); ok {
		s.Set(key, b)
	}
}

// Flash encodes v and flashes it under the flash key (see [Session.Flash]).
func Flash[T any](s *Session, key string, v T, c Codec[T]) {
	if b, ok := encodeOrReport(s, key, c, v); ok {
		s.Flash(key, b)
	}
}

// Now encodes v and stores it under the flash key for this request only
// (see [Session.Now]).
func Now[T any](s *Session, key string, v T, c Codec[T]) {
	if b, ok := encodeOrReport(s, key, c, v); ok {
		s.Now(key, b)
	}
}

func encodeOrReport[T any](s *Session, key string, c Codec[T], v T) ([]byte, bool) {
	b, err := Encode(c, v)
	if err != nil {
		s.reportError(key, err)
		return nil, false
	}
	return b, true
}

// Integer is the set of types [Add] works on.
type Integer interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 | ~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~uintptr
}

// Add adds by to the integer under the data key and returns the sum as
// this request sees it: a missing value, or one that no longer decodes,
// counts as 0, and overflow wraps, as Go's + does. On drivers that merge
// concurrent requests (memory, Redis) the addition reaches the store as an
// [Increment] applied at save time to what the store then holds, so that
// concurrent requests adding to one key lose nothing; a request that sets
// or deletes the key, before or after adding to it, stores its own result.
func Add[T Integer](s *Session, key string, by T, c Codec[T]) T {
	s.mu.Lock()
	var cur T
	var decErr error
	if old, ok := s.rec.Data[key]; ok {
		if cur, decErr = Decode(c, old); decErr != nil {
			cur = 0
		}
	}
	sum := cur + by
	b, encErr := Encode(c, sum)
	if encErr == nil {
		var zero T
		s.addLocked(key, b, Increment{By: uint64(by), Bits: int(unsafe.Sizeof(zero)) * 8, Signed: zero-1 < zero})
	}
	s.mu.Unlock()
	if decErr != nil {
		s.reportError(key, decErr)
	}
	if encErr != nil {
		s.reportError(key, encErr)
	}
	return sum
}
