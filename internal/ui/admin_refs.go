package ui

import "honestmeasure/internal/model"

func adminAgencyMap(list []model.Agency) map[int64]model.Agency {
	m := make(map[int64]model.Agency, len(list))
	for _, a := range list {
		m[a.ID] = a
	}
	return m
}
