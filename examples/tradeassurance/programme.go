package main

import (
	"context"
	"fmt"
	"time"

	"github.com/tradeassure/tradeassure/coverage"
	"github.com/tradeassure/tradeassure/payment"
	"github.com/tradeassure/tradeassure/supplier"
)

// textStep is one paragraph of the supplier and coverage part.
type textStep struct {
	Name  string
	Text  string
	Lines []string
}

// programmePart enrols a verified supplier, shows its limit and how it was
// derived, covers an order above the limit only in part, and computes the
// compensation owed for a late shipment.
func programmePart(ctx context.Context, rep *report) error {
	clock := &simClock{now: rep.At}
	svc, err := supplier.NewService(supplier.Config{Store: supplier.NewMemoryStore(), Clock: clock})
	if err != nil {
		return err
	}
	add := func(name, text string, lines ...string) {
		rep.Programme = append(rep.Programme, textStep{Name: name, Text: text, Lines: lines})
	}
	me, agent := payment.Supplier("supplier-cn-8"), payment.Platform("agent-7")
	sup, err := svc.Register(ctx, me, supplier.RegisterRequest{
		ID: "supplier-cn-8", Company: "Ningbo Fine Hardware Co.", Country: "CN",
		EstablishedOn: time.Date(2017, time.June, 1, 0, 0, 0, 0, time.UTC), MainProducts: []string{"door hinges", "drawer slides"},
	})
	if err != nil {
		return err
	}
	var missing []string
	for _, r := range sup.StatusReasons {
		missing = append(missing, r.Code+"  "+r.Text)
	}
	add("register", fmt.Sprintf("%s registers: %s; what enrollment still needs:", sup.Company, sup.Status), missing...)

	from, until := time.Date(2025, time.January, 1, 0, 0, 0, 0, time.UTC), time.Date(2028, time.January, 1, 0, 0, 0, 0, time.UTC)
	for i, kind := range []supplier.DocumentKind{supplier.BusinessLicence, supplier.ProductionQualification, supplier.ISO9001, supplier.OnSiteCheck} {
		d := supplier.Document{ID: fmt.Sprintf("doc-%d", i+1), Kind: kind, Issuer: "SGS", Number: fmt.Sprintf("SGS-%04d", 1017+i), ValidFrom: from, ValidUntil: until}
		if _, err := svc.SubmitDocument(ctx, me, sup.ID, d); err != nil {
			return err
		}
		if sup, err = svc.ReviewDocument(ctx, agent, sup.ID, d.ID, true, "checked with the issuer"); err != nil {
			return err
		}
	}
	var terms []string
	for _, t := range sup.Limit.Derivation {
		terms = append(terms, fmt.Sprintf("%-9s %-45s %s", t.Name, t.Input, t.Amount.StringFixed(2)))
	}
	add("enrolled", fmt.Sprintf("Four documents approved: %s, rating %s (%s), Trade Assurance limit %s, derived as:",
		sup.Status, sup.Rating.Score, sup.Rating.Grade, sup.Limit.Amount), terms...)
	rep.verify("supplier_enrolled", sup.Enrolled() && sup.Limit.Amount.IsPositive(), "the supplier is enrolled with a limit above zero")

	// An order above what is left of the limit is covered only in part, and the SDK says so before payment.
	order := payment.MustParse("25000.00", payment.USD)
	covered, uncovered, err := svc.Coverable(ctx, sup.ID, order)
	if err != nil {
		return err
	}
	add("coverable", fmt.Sprintf("Before payment, an order of %s: %s covered, %s not (the limit is %s)", order, covered, uncovered, sup.Available()))
	rep.verify("order_partly_covered", covered == sup.Available() && uncovered.IsPositive(), "an order above the limit is covered up to the limit only")

	rules := coverage.DefaultRules()
	paidAt := rep.At
	plan := coverage.Schedule{PaidAt: paidAt, ProductionDays: 25, HandlingDays: 2, ShippingDays: 30}
	deposit := payment.MustParse("7500.00", payment.USD)
	facts := coverage.Order{
		ID: "ord-4004", Plan: coverage.PreShipment, Value: order,
		Payments: []coverage.Payment{{Tranche: payment.Deposit, Amount: deposit, PaidAt: paidAt}},
		ShipBy:   plan.ShipBy(), DeliverBy: plan.DeliverBy(),
	}
	cov, err := rules.Covered(facts, sup.Available())
	if err != nil {
		return err
	}
	if _, err := svc.Reserve(ctx, payment.System("order-service"), sup.ID, facts.ID, cov.Covered); err != nil {
		return err
	}
	add("covered", fmt.Sprintf("Order ord-4004 pays a %s deposit; pre-shipment coverage protects %s and reserves it from the limit; ship by %s, deliver by %s",
		deposit, cov.Covered, plan.ShipBy().Format("2006-01-02"), plan.DeliverBy().Format("2006-01-02")))

	now := plan.ShipBy().Add(24 * time.Hour)
	comp, err := rules.LateCompensation(ctx, facts, now, nil)
	if err != nil {
		return err
	}
	var why []string
	for _, r := range comp.Reasons {
		why = append(why, r.Code+"  "+r.Text)
	}
	add("late", fmt.Sprintf("A day after the ship-by date, nothing has shipped: compensation owed %t, %s, paid from escrow under key %q",
		comp.Owed, comp.Amount, coverage.LateCompensationKey(facts.ID)), why...)
	rep.verify("late_compensation_owed", comp.Owed && comp.Amount.IsPositive(), "a late shipment is owed compensation")
	return nil
}
