package redis

import (
	"context"

	goredis "github.com/redis/go-redis/v9"
)

// LoadScript loads the save script into every master c reaches, so that
// tests counting round trips see no NOSCRIPT fallback on a node the script
// has not reached yet.
func LoadScript(ctx context.Context, c goredis.UniversalClient) error {
	if cc, ok := c.(*goredis.ClusterClient); ok {
		return cc.ForEachMaster(ctx, func(ctx context.Context, m *goredis.Client) error {
			return saveScript.Load(ctx, m).Err()
		})
	}
	return saveScript.Load(ctx, c).Err()
}
