package supplier

import (
	"context"
	"fmt"
)

// Explanation is how a supplier's credit rating and Trade Assurance limit
// were computed, term by term. It is not stored with the supplier: Rules.Explain
// and Service.Explain build it, on demand, from the supplier as stored.
type Explanation struct {
	// Rating has a term per factor that weighs something (RatingRule.Weights),
	// in the order of the Factor constants: its input ("8 of 10 on time")
	// and the points it contributes out of 100, rounded to 0.1. The score
	// is the exact sum of the points, rounded to 0.1 once, so the rounded
	// terms may add up to a few tenths more or less than it.
	Rating []Term `json:"rating"`
	// Limit has the terms of the limit (LimitRule), money in the limit's
	// currency: "base", "years", a "document" per approved document kind
	// in force that adds to it, "volume" (its share of the trailing
	// volume), "grade" (the sum of those times the grade's factor) and,
	// when the cap applies, "max". The limit is the last term rounded down
	// to a multiple of the step. A supplier that is not enrolled has a
	// single "status" term, of zero.
	Limit []Term `json:"limit"`
}

// Explain returns how the rating and the limit of s were computed: it
// recomputes their terms from s as stored — its documents, record,
// volume, status and rating grade — at the instants they were computed
// (s.Rating.ComputedAt, s.Limit.ComputedAt). A supplier's rating and limit
// are computed from what it stores, at that instant, so under the rules
// that computed them the terms reproduce them exactly; under rules changed
// since, they explain what those rules would have given. Explain changes
// nothing and reads nothing but s; a supplier never rated (a zero
// ComputedAt) has nothing to explain.
//
// It returns the error of r.Validate for invalid rules, and the error the
// service's writes would return when the rules cannot compute the limit
// of s (years in business times PerYear beyond what a Money holds).
func (r Rules) Explain(s *Supplier) (Explanation, error) {
	if err := r.Validate(); err != nil {
		return Explanation{}, err
	}
	var out Explanation
	if !s.Rating.ComputedAt.IsZero() {
		out.Rating = newEvaluator(r).ratingTerms(s, s.Rating.ComputedAt)
	}
	if !s.Limit.ComputedAt.IsZero() {
		out.Limit = []Term{}
		if _, err := r.limit(s, s.Rating.Grade, s.Limit.ComputedAt, &out.Limit); err != nil {
			return Explanation{}, err
		}
	}
	return out, nil
}

// Explain returns how supplier id's rating and limit, as stored, were
// computed (Rules.Explain, under the service's rules), or an error
// satisfying errors.Is(err, ErrNotFound). Like Supplier, it answers
// whoever asks: the explanation says no more than the supplier's record.
func (s *Service) Explain(ctx context.Context, id string) (*Explanation, error) {
	sup, err := s.store.Supplier(ctx, id)
	if err != nil {
		return nil, err
	}
	e, err := s.rules.Explain(sup)
	if err != nil {
		return nil, err
	}
	return &e, nil
}

// factorInput returns the input of rating factor name of s, as its
// explanation's term shows it; valid of kinds document kinds are approved
// and in force.
func factorInput(name string, s *Supplier, valid, kinds int, g RatingRule) string {
	rec := &s.Record
	switch name {
	case FactorQualifications:
		return fmt.Sprintf("%d of %d document kinds", valid, kinds)
	case FactorCompleted:
		return fmt.Sprintf("%d orders (full marks at %d)", rec.Completed, g.CompletedTarget)
	case FactorOnTime:
		return fmt.Sprintf("%d of %d on time", rec.OnTime, rec.Completed)
	case FactorDisputes:
		return fmt.Sprintf("%d of %d disputed", rec.Disputed, rec.Completed)
	case FactorDisputesLost:
		return fmt.Sprintf("%d of %d disputes lost", rec.DisputesLost, rec.Disputed)
	case FactorResponse:
		return fmt.Sprintf("%d of %d inquiries answered", rec.Responded, rec.Inquiries)
	case FactorReviews:
		return fmt.Sprintf("%d reviews", rec.Reviews)
	}
	return name
}
