package risk

import "context"

// Classes are the stored classes of units, by unit id, for the spot-check
// pools (internal/spotcheck): a unit never classified is absent, and the
// pool counts it as class B.
func (s *Service) Classes(ctx context.Context, unitIDs []int64) (map[int64]string, error) {
	risks, err := s.Store.UnitRisks(ctx, unitIDs)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]string, len(risks))
	for id, r := range risks {
		out[id] = string(r.Class)
	}
	return out, nil
}
