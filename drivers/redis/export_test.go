package redis

import (
	"context"

	goredis "github.com/redis/go-redis/v9"
)

// LoadScript loads the driver's scripts into every master c reaches, so
// that tests counting round trips see no NOSCRIPT fallback on a node a
// script has not reached yet.
func LoadScript(ctx context.Context, c goredis.UniversalClient) error {
	load := func(ctx context.Context, c goredis.Scripter) error {
		for _, s := range []*goredis.Script{saveScript, indexScript, lockScript, unlockScript} {
			if err := s.Load(ctx, c).Err(); err != nil {
				return err
			}
		}
		return nil
	}
	if cc, ok := c.(*goredis.ClusterClient); ok {
		return cc.ForEachMaster(ctx, func(ctx context.Context, m *goredis.Client) error { return load(ctx, m) })
	}
	return load(ctx, c)
}

// SaveScriptHash is the SHA-1 of the save script, as EVALSHA names it.
var SaveScriptHash = saveScript.Hash()
