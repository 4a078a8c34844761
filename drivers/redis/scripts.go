package redis

import goredis "github.com/redis/go-redis/v9"

// The Lua scripts the driver runs, each atomically and in one round trip
// (EVALSHA; go-redis falls back to EVAL once after a server restart). Lua
// numbers are doubles: no value here passes through one unless it is below
// 2^53 (times in milliseconds, 32-bit halves of 64-bit integers).

// luaLib holds the functions the scripts share.
const luaLib = `
local TWO32 = 4294967296

-- release deletes the lock field of hash key if lock holds it.
local function release(key, lock)
	local l = redis.call('HGET', key, 'l')
	if l and string.sub(l, 1, #lock + 1) == lock .. ':' then
		redis.call('HDEL', key, 'l')
	end
end

-- index adds member to the owner index idx with score (the session's
-- deadline, in ms), drops the entries of sessions whose deadline passed
-- and keeps idx alive as long as its longest-lived session.
local function index(idx, member, score, now)
	redis.call('ZADD', idx, score, member)
	redis.call('ZREMRANGEBYSCORE', idx, '-inf', '(' .. now)
	local want = tonumber(score) - tonumber(now)
	if want > 0 and redis.call('PTTL', idx) < want then
		redis.call('PEXPIRE', idx, want)
	end
end

-- parse reads s as exactly one msgpack integer: its two's complement bits
-- as two 32-bit halves, and whether it is negative. Anything else is nil.
local function parse(s)
	if not s or #s == 0 then return nil end
	local c, n = string.byte(s, 1), #s
	if n == 1 and c <= 0x7f then return 0, c, false end
	if n == 1 and c >= 0xe0 then return TWO32 - 1, TWO32 + c - 256, true end
	if c < 0xcc or c > 0xd3 or n ~= 2 ^ (c % 4) + 1 then return nil end
	local b = {string.byte(s, 2, n)}
	local fill = 0
	if c >= 0xd0 and b[1] >= 128 then fill = 255 end
	local full = {}
	for j = 1, 9 - n do full[j] = fill end
	for j = 1, n - 1 do full[9 - n + j] = b[j] end
	local hi, lo = 0, 0
	for j = 1, 4 do hi = hi * 256 + full[j] end
	for j = 5, 8 do lo = lo * 256 + full[j] end
	return hi, lo, fill == 255
end

-- fits reports whether the integer (hi, lo, neg) is a value of the type of
-- the given width and signedness.
local function fits(hi, lo, neg, bits, signed)
	if not signed then
		return not neg and (bits == 64 or hi == 0 and lo < 2 ^ bits)
	end
	if bits == 64 then return neg or hi < 2 ^ 31 end
	if neg then return hi == TWO32 - 1 and lo >= TWO32 - 2 ^ (bits - 1) end
	return hi == 0 and lo < 2 ^ (bits - 1)
end

-- bytes returns the n low bytes of x (below 2^32), big-endian.
local function bytes(x, n)
	local out = {}
	for j = n, 1, -1 do
		out[j] = x % 256
		x = math.floor(x / 256)
	end
	return string.char(unpack(out))
end

-- increment returns the msgpack encoding of old plus (dhi, dlo), in the
-- type of the given width and signedness, wrapping on overflow, in the
-- smallest form: the bytes runtime.Increment.Apply returns.
local function increment(old, dhi, dlo, bits, signed)
	local hi, lo, neg = parse(old)
	if not hi or not fits(hi, lo, neg, bits, signed) then hi, lo = 0, 0 end
	lo = lo + dlo
	local carry = 0
	if lo >= TWO32 then lo, carry = lo - TWO32, 1 end
	hi = (hi + dhi + carry) % TWO32
	if bits <= 32 then
		hi = 0
		if bits < 32 then lo = lo % 2 ^ bits end
		if signed and lo >= 2 ^ (bits - 1) then hi, lo = TWO32 - 1, lo + TWO32 - 2 ^ bits end
	end
	if signed and hi >= 2 ^ 31 then -- negative
		if hi == TWO32 - 1 and lo >= TWO32 - 2 ^ 31 then
			local v = lo - TWO32
			if v >= -32 then return string.char(v + 256) end
			if v >= -128 then return string.char(0xd0, v + 256) end
			if v >= -32768 then return string.char(0xd1) .. bytes(v + 65536, 2) end
			return string.char(0xd2) .. bytes(lo, 4)
		end
		return string.char(0xd3) .. bytes(hi, 4) .. bytes(lo, 4)
	end
	if hi > 0 then return string.char(0xcf) .. bytes(hi, 4) .. bytes(lo, 4) end
	if lo <= 0x7f then return string.char(lo) end
	if lo <= 0xff then return string.char(0xcc, lo) end
	if lo <= 0xffff then return string.char(0xcd) .. bytes(lo, 2) end
	return string.char(0xce) .. bytes(lo, 4)
end

-- empty reports whether hash key holds no value and no owner: no field
-- but the eight of metadata (c, a, e, o, h, v, p, l), and not o.
local function empty(key)
	local n = redis.call('HLEN', key)
	if n > 8 or redis.call('HEXISTS', key, 'o') == 1 then return false end
	for _, v in ipairs(redis.call('HMGET', key, 'c', 'a', 'e', 'h', 'v', 'p', 'l')) do
		if v then n = n - 1 end
	end
	return n <= 0
end
`

// saveScript writes a session (see Save). KEYS[1] is its hash; then, when
// ARGV[6] is "1", the hash of its previous ID; then the owner index to add
// an entry to, if ARGV[7] names one, and the owner index to remove an
// entry from, if ARGV[9] names one (previous ID and indexes only on a
// single server). ARGV: 1 the TTL in ms, 2 the mode, 3 the number of
// fields to delete, 4 the number of increments, 5 the lock to release or
// "", 6 whether KEYS has a previous ID, 7 and 8 the index entry to add and
// its score (the deadline in ms), 9 the index entry to remove, 10 the time
// in ms (for pruning the index); then the fields to delete, the increments
// (field, high and low 32 bits of the amount, width, "s" or "u"), and the
// field-value pairs to set.
//
// In the guarded modes (u, W) it writes nothing and returns -1 when the
// loaded session's hash has no creation time: it was logged out,
// regenerated, revoked or expired meanwhile, and a slow request must not
// bring it back. The whole-record modes (w, W) delete the hashes before
// writing, so that Reset and Invalidate remove whatever existed when they
// ran. A hash left with no value and no owner is deleted (result 0);
// otherwise the TTL is refreshed (result 1). HDEL and HSET take at most
// 1000 arguments each: Lua's unpack cannot return more than about 8000.
// Increments and sets go in the same HSET.
var saveScript = goredis.NewScript(luaLib + `
local key, mode = KEYS[1], ARGV[2]
local ndel, ninc, unlock = tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5]
local k, old, addidx, delidx = 2
if ARGV[6] == '1' then old = KEYS[k]; k = k + 1 end
if ARGV[7] ~= '' then addidx = KEYS[k]; k = k + 1 end
if ARGV[9] ~= '' then delidx = KEYS[k] end
local loaded = old or key
if (mode == 'u' or mode == 'W') and redis.call('HEXISTS', loaded, 'c') == 0 then
	return -1
end
if unlock ~= '' then release(loaded, unlock) end
local lock -- another request's lock on this ID outlives a whole write
if mode == 'w' or mode == 'W' then
	lock = redis.call('HGET', key, 'l')
	redis.call('DEL', key)
	if old then redis.call('DEL', old) end
end
local i, last = 11, 10 + ndel
for j = i, last, 1000 do
	redis.call('HDEL', key, unpack(ARGV, j, math.min(j + 999, last)))
end
i = last + 1
local sets = {}
for _ = 1, ninc do
	local f = ARGV[i]
	sets[#sets + 1] = f
	sets[#sets + 1] = increment(redis.call('HGET', key, f), tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2]),
		tonumber(ARGV[i + 3]), ARGV[i + 4] == 's')
	i = i + 5
end
for j = i, #ARGV do sets[#sets + 1] = ARGV[j] end
for j = 1, #sets, 1000 do
	redis.call('HSET', key, unpack(sets, j, math.min(j + 999, #sets)))
end
if delidx then redis.call('ZREM', delidx, ARGV[9]) end
-- A whole record is written with a value or an owner, or not at all; a
-- change that deleted fields may have left none.
if (mode == 'w' or mode == 'W') and #sets == 0 or ndel > 0 and mode == 'u' and empty(key) then
	redis.call('DEL', key)
	return 0
end
if lock then redis.call('HSET', key, 'l', lock) end
if addidx then index(addidx, ARGV[7], ARGV[8], ARGV[10]) end
redis.call('PEXPIRE', key, ARGV[1])
return 1
`)

// indexScript adds an entry to an owner index (KEYS[1]) on Cluster, where
// the index may live on another node than the session: ARGV are the
// entry, its score and the time, as saveScript's 7, 8 and 10.
var indexScript = goredis.NewScript(luaLib + `
index(KEYS[1], ARGV[1], ARGV[2], ARGV[3])
return 1
`)

// lockLua loads the session hash KEYS[1] and takes its lock for the token
// ARGV[1] for ARGV[2] ms, by the server's clock (so that a crashed holder's
// lock expires whatever the application servers' clocks say). It returns
// the hash's fields and values; the error SESSGEN_LOCKED when another token holds
// an unexpired lock; nil when there is no session, which it does not
// create.
const lockLua = `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local l = redis.call('HGET', KEYS[1], 'l')
if l then
	local token, till = string.match(l, '^(.*):(%d+)$')
	if token ~= ARGV[1] and till and tonumber(till) > now then return redis.error_reply('SESSGEN_LOCKED') end
end
redis.call('HSET', KEYS[1], 'l', ARGV[1] .. ':' .. string.format('%d', now + tonumber(ARGV[2])))
return redis.call('HGETALL', KEYS[1])
`

// lockedReply is lockLua's error when another request holds the lock;
// the server may prefix it (Redis 7 sends "ERR SESSGEN_LOCKED").
const lockedReply = "SESSGEN_LOCKED"

var lockScript = goredis.NewScript(lockLua)

// revokeScript ends the session hash KEYS[1] if it belongs to the owner
// ARGV[1] under the handle ARGV[2], and returns 1 if it did: an index entry
// never ends a session that moved to another owner or handle.
var revokeScript = goredis.NewScript(`
if redis.call('HGET', KEYS[1], 'o') == ARGV[1] and redis.call('HGET', KEYS[1], 'h') == ARGV[2] then
	return redis.call('DEL', KEYS[1])
end
return 0
`)

// unlockScript releases the lock of the session hash KEYS[1] if the token
// ARGV[1] holds it.
var unlockScript = goredis.NewScript(luaLib + `
release(KEYS[1], ARGV[1])
return 0
`)
