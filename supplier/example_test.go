package supplier_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tradeassure/tradeassure/payment"
	"github.com/tradeassure/tradeassure/supplier"
)

// exampleEnrolled returns a Service on the in-memory store whose clock
// reads *now, and enrolls supplier-9, founded in 2014, with the documents
// the default rules require: a business licence, a production
// qualification and an on-site check, approved by a platform agent.
func exampleEnrolled(now *time.Time) (*supplier.Service, error) {
	ctx := context.Background()
	svc, err := supplier.NewService(supplier.Config{
		Store: supplier.NewMemoryStore(),
		Clock: payment.ClockFunc(func() time.Time { return *now }),
	})
	if err != nil {
		return nil, err
	}
	agent := payment.Platform("agent-7")
	if _, err := svc.Register(ctx, agent, supplier.RegisterRequest{
		ID: "supplier-9", Company: "Ningbo Precision Castings Co., Ltd.", Country: "CN",
		EstablishedOn: time.Date(2014, time.May, 17, 0, 0, 0, 0, time.UTC),
	}); err != nil {
		return nil, err
	}
	for _, d := range []supplier.Document{
		{ID: "licence", Kind: supplier.BusinessLicence, Issuer: "Ningbo AMR", Number: "91330200MA2H"},
		{ID: "production", Kind: supplier.ProductionQualification, Issuer: "Zhejiang MIIT", Number: "ZJ-PQ-77"},
		{ID: "on-site", Kind: supplier.OnSiteCheck, Issuer: "SGS", Number: "SGS-2026-0117"},
	} {
		d.ValidFrom = now.AddDate(-1, 0, 0)
		if _, err := svc.SubmitDocument(ctx, agent, "supplier-9", d); err != nil {
			return nil, err
		}
		if _, err := svc.ReviewDocument(ctx, agent, "supplier-9", d.ID, true, ""); err != nil {
			return nil, err
		}
	}
	return svc, nil
}

// A supplier applies and submits its business licence. The enrollment check
// says, per required document, what is missing; once a platform agent has
// approved every required document the supplier is enrolled and has a
// Trade Assurance limit. A year later its on-site check has lapsed, and the
// scheduler's next evaluation suspends it.
func ExampleService_Evaluate() {
	ctx := context.Background()
	now := time.Date(2026, time.March, 2, 9, 0, 0, 0, time.UTC)
	svc, err := supplier.NewService(supplier.Config{
		Store: supplier.NewMemoryStore(),
		Clock: payment.ClockFunc(func() time.Time { return now }),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	self, agent, scheduler := payment.Supplier("supplier-9"), payment.Platform("agent-7"), payment.System("scheduler")
	show := func(s *supplier.Supplier) {
		fmt.Println(s.Status, "- limit", s.Limit.Amount)
		for _, r := range s.StatusReasons {
			fmt.Printf("  %s (%s)\n", r.Text, r.Code)
		}
	}

	if _, err := svc.Register(ctx, self, supplier.RegisterRequest{
		ID: "supplier-9", Company: "Ningbo Precision Castings Co., Ltd.", Country: "CN",
		EstablishedOn: time.Date(2014, time.May, 17, 0, 0, 0, 0, time.UTC),
	}); err != nil {
		fmt.Println(err)
		return
	}
	documents := []supplier.Document{
		{ID: "licence", Kind: supplier.BusinessLicence, Issuer: "Ningbo AMR", Number: "91330200MA2H"},
		{ID: "production", Kind: supplier.ProductionQualification, Issuer: "Zhejiang MIIT", Number: "ZJ-PQ-77"},
		{ID: "on-site", Kind: supplier.OnSiteCheck, Issuer: "SGS", Number: "SGS-2026-0117",
			ValidUntil: now.AddDate(1, 0, 0), Files: []string{"s3://audits/sgs-2026-0117.pdf"}},
	}
	for i := range documents {
		documents[i].ValidFrom = now.AddDate(0, -1, 0)
	}
	if _, err := svc.SubmitDocument(ctx, self, "supplier-9", documents[0]); err != nil {
		fmt.Println(err)
		return
	}
	s, err := svc.Evaluate(ctx, scheduler, "supplier-9")
	if err != nil {
		fmt.Println(err)
		return
	}
	show(s)

	for _, d := range documents {
		if _, err := svc.SubmitDocument(ctx, self, "supplier-9", d); err != nil {
			fmt.Println(err)
			return
		}
		if s, err = svc.ReviewDocument(ctx, agent, "supplier-9", d.ID, true, "checked"); err != nil {
			fmt.Println(err)
			return
		}
		show(s)
	}

	now = now.AddDate(1, 0, 0)
	if s, err = svc.Evaluate(ctx, scheduler, "supplier-9"); err != nil {
		fmt.Println(err)
		return
	}
	show(s)
	// Output:
	// applied - limit USD 0.00
	//   business_licence: awaiting review (supplier.document_pending)
	//   production_qualification: no document submitted (supplier.document_missing)
	//   on_site_check: no document submitted (supplier.document_missing)
	// verified - limit USD 0.00
	//   production_qualification: no document submitted (supplier.document_missing)
	//   on_site_check: no document submitted (supplier.document_missing)
	// verified - limit USD 0.00
	//   on_site_check: no document submitted (supplier.document_missing)
	// enrolled - limit USD 13700.00
	// suspended - limit USD 0.00
	//   on_site_check: the approved document is not in force (supplier.document_expired)
}

// An order's coverage reserves part of the supplier's Trade Assurance
// limit. A reservation beyond what is left is refused with what is
// available; a repeated request is answered with the first reservation; and
// the limit revolves: when the order completes, its reservation is released
// and can be reserved again.
func ExampleService_Reserve() {
	ctx := context.Background()
	now := time.Date(2026, time.March, 2, 9, 0, 0, 0, time.UTC)
	svc, err := exampleEnrolled(&now)
	if err != nil {
		fmt.Println(err)
		return
	}
	orders := payment.System("orders")
	usd := func(s string) payment.Money { return payment.MustParse(s, payment.USD) }

	r, err := svc.Reserve(ctx, orders, "supplier-9", "order-42", usd("10000.00"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("reserved", r.Amount, "for", r.OrderID)
	if r, err = svc.Reserve(ctx, orders, "supplier-9", "order-42", usd("10000.00")); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("asked again: reserved", r.Amount, "for", r.OrderID)

	_, err = svc.Reserve(ctx, orders, "supplier-9", "order-43", usd("5000.00"))
	var over *supplier.LimitError
	if errors.As(err, &over) {
		fmt.Println("refused: requested", over.Requested, "available", over.Available)
	}

	s, err := svc.Release(ctx, orders, "supplier-9", "order-42")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("order-42 completed: available", s.Available(), "of", s.Limit.Amount)
	if r, err = svc.Reserve(ctx, orders, "supplier-9", "order-43", usd("5000.00")); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("reserved", r.Amount, "for", r.OrderID)
	// Output:
	// reserved USD 10000.00 for order-42
	// asked again: reserved USD 10000.00 for order-42
	// refused: requested USD 5000.00 available USD 3700.00
	// order-42 completed: available USD 13700.00 of USD 13700.00
	// reserved USD 5000.00 for order-43
}

// Before the buyer pays, the SDK says how much of the order the supplier's
// remaining limit covers, and how much it does not.
func ExampleService_Coverable() {
	ctx := context.Background()
	now := time.Date(2026, time.March, 2, 9, 0, 0, 0, time.UTC)
	svc, err := exampleEnrolled(&now)
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := svc.Reserve(ctx, payment.System("orders"), "supplier-9", "order-41", payment.MustParse("9000.00", payment.USD)); err != nil {
		fmt.Println(err)
		return
	}

	for _, amount := range []string{"2500.00", "8000.00"} {
		covered, uncovered, err := svc.Coverable(ctx, "supplier-9", payment.MustParse(amount, payment.USD))
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("order of %s: covered %s, not covered %s\n", amount, covered, uncovered)
	}
	// Output:
	// order of 2500.00: covered USD 2500.00, not covered USD 0.00
	// order of 8000.00: covered USD 4700.00, not covered USD 3300.00
}

// The supplier keeps its rating and limit, not how they were reached; an
// explanation recomputes each term, on demand, from the supplier as stored.
// Each factor's points are rounded to 0.1 on their own, the score once:
// here the points add up to 68.9 and the score, 68.84 exactly, is 68.8.
func ExampleService_Explain() {
	ctx := context.Background()
	now := time.Date(2026, time.March, 2, 9, 0, 0, 0, time.UTC)
	svc, err := exampleEnrolled(&now)
	if err != nil {
		fmt.Println(err)
		return
	}
	orders, buyer := payment.System("orders"), payment.Buyer("buyer-1")
	if _, err := svc.RecordOrder(ctx, orders, "supplier-9", supplier.OrderRecord{OrderID: "order-41", BuyerID: buyer.ID,
		Value: payment.MustParse("24000.00", payment.USD), CompletedAt: now, OnTime: true}); err != nil {
		fmt.Println(err)
		return
	}
	if _, err := svc.RecordInquiry(ctx, orders, "supplier-9", supplier.Inquiry{ID: "inq-1", ReceivedAt: now.Add(-18 * time.Hour), RespondedAt: now}); err != nil {
		fmt.Println(err)
		return
	}
	s, err := svc.AddReview(ctx, buyer, "supplier-9", supplier.ReviewRequest{OrderID: "order-41", Rating: 4})
	if err != nil {
		fmt.Println(err)
		return
	}
	e, err := svc.Explain(ctx, "supplier-9")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("rating %s (%s):\n", s.Rating.Score, s.Rating.Grade)
	for _, t := range e.Rating {
		fmt.Printf("  %-14s %-30s %5s\n", t.Name, t.Input, t.Amount)
	}
	fmt.Printf("limit %s:\n", s.Limit.Amount)
	for _, t := range e.Limit {
		fmt.Printf("  %-8s %-42s %9s\n", t.Name, t.Input, t.Amount.StringFixed(2))
	}
	// Output:
	// rating 68.8 (C):
	//   qualifications 3 of 8 document kinds            5.6
	//   completed      1 orders (full marks at 50)      0.3
	//   on_time        1 of 1 on time                    20
	//   disputes       0 of 1 disputed                   15
	//   disputes_lost  0 of 0 disputes lost              10
	//   response       1 of 1 inquiries answered        6.7
	//   reviews        1 reviews                       11.3
	// limit USD 39500.00:
	//   base     enrolled                                     5000.00
	//   years    11 years in business (counted up to 10)     20000.00
	//   document on_site_check                                2500.00
	//   volume   USD 24000.00 in the last 180 days × 0.5     12000.00
	//   grade    grade C × 1                                 39500.00
}

// A buyer's search lists suppliers in the programme first, best rated
// first; with the "programme only" filter, suppliers that are not enrolled
// are left out.
func ExampleRank() {
	results := func() []*supplier.Supplier {
		s := func(id string, status supplier.Status, score string) *supplier.Supplier {
			return &supplier.Supplier{ID: id, Status: status, Rating: supplier.Rating{Score: decimal.RequireFromString(score)}}
		}
		return []*supplier.Supplier{
			s("hangzhou-valves", supplier.StatusEnrolled, "72.5"),
			s("shenzhen-pumps", supplier.StatusApplied, "91.2"),
			s("ningbo-castings", supplier.StatusEnrolled, "88.1"),
			s("foshan-fittings", supplier.StatusSuspended, "80.4"),
			s("wenzhou-flanges", supplier.StatusEnrolled, "72.5"),
		}
	}
	for _, programmeOnly := range []bool{false, true} {
		fmt.Println("programme only:", programmeOnly)
		for _, s := range supplier.Rank(results(), programmeOnly) {
			fmt.Printf("  %-16s %-9s %s\n", s.ID, s.Status, s.Rating.Score)
		}
	}
	// Output:
	// programme only: false
	//   ningbo-castings  enrolled  88.1
	//   hangzhou-valves  enrolled  72.5
	//   wenzhou-flanges  enrolled  72.5
	//   shenzhen-pumps   applied   91.2
	//   foshan-fittings  suspended 80.4
	// programme only: true
	//   ningbo-castings  enrolled  88.1
	//   hangzhou-valves  enrolled  72.5
	//   wenzhou-flanges  enrolled  72.5
}

// The releases of two orders credit the supplier's balance; the day's
// scheduled run pays it out in one payout, however often it runs. The
// bank sends it back (the account is closed): the money is back in the
// balance, visibly, and once the supplier gives another account the next
// day's run pays it there.
func ExampleService_RunPayouts() {
	ctx := context.Background()
	now := time.Date(2026, time.March, 2, 9, 0, 0, 0, time.UTC)
	svc, err := exampleEnrolled(&now)
	if err != nil {
		fmt.Println(err)
		return
	}
	orders, scheduler, webhook := payment.System("orders"), payment.System("scheduler"), payment.System("webhook")
	usd := func(s string) payment.Money { return payment.MustParse(s, payment.USD) }
	for i, released := range []string{"3136.00", "1470.00"} {
		// The order service records each order, with what its release
		// paid the supplier, in the release's unit of work.
		if _, err := svc.RecordOrder(ctx, orders, "supplier-9", supplier.OrderRecord{OrderID: fmt.Sprintf("order-%d", i+1), BuyerID: "buyer-1",
			Value: usd("3200.00"), CompletedAt: now, OnTime: true, Release: supplier.Release{Paid: usd(released)}}); err != nil {
			fmt.Println(err)
			return
		}
	}
	if _, err := svc.SetPayoutDestination(ctx, payment.Supplier("supplier-9"), "supplier-9", "acct_1Nb7"); err != nil {
		fmt.Println(err)
		return
	}
	run, _ := svc.RunPayouts(ctx, scheduler)
	again, _ := svc.RunPayouts(ctx, scheduler)
	p := run.Payouts[0]
	fmt.Printf("run %s: %s to %s, %s; the same run again: %d payout, the same %v\n", run.Period, p.Amount, p.Destination, p.Status,
		len(again.Payouts), again.Payouts[0].ID == p.ID)

	p, _ = svc.ReportPayout(ctx, webhook, "supplier-9", p.ID, supplier.PayoutOutcome{Status: supplier.PayoutFailed,
		Reason: payment.Reason{Code: "account_closed", Text: "the beneficiary's account is closed"}})
	sup, _ := svc.Supplier(ctx, "supplier-9")
	fmt.Printf("%s (%s): %s available again\n", p.Status, p.Timeline[len(p.Timeline)-1].Reason.Code, sup.Balance(payment.USD).Available())

	_, _ = svc.SetPayoutDestination(ctx, payment.Supplier("supplier-9"), "supplier-9", "acct_2Hq4")
	now = now.AddDate(0, 0, 1)
	run, _ = svc.RunPayouts(ctx, scheduler)
	p, _ = svc.ReportPayout(ctx, webhook, "supplier-9", run.Payouts[0].ID, supplier.PayoutOutcome{Status: supplier.PayoutPaid, ProcessorRef: "po_77"})
	sup, _ = svc.Supplier(ctx, "supplier-9")
	b := sup.Balance(payment.USD)
	fmt.Printf("run %s: %s to %s, %s\n", run.Period, p.Amount, p.Destination, p.Status)
	fmt.Printf("credited %s = available %s + in flight %s + paid out %s + offset %s\n", b.Credited, b.Available(), b.InFlight, b.PaidOut, b.Offset)
	// Output:
	// run 2026-03-02: USD 4606.00 to acct_1Nb7, pending; the same run again: 1 payout, the same true
	// failed (account_closed): USD 4606.00 available again
	// run 2026-03-03: USD 4606.00 to acct_2Hq4, paid
	// credited USD 4606.00 = available USD 0.00 + in flight USD 0.00 + paid out USD 4606.00 + offset USD 0.00
}

// A supplier asks for part of its balance on demand, under its own
// idempotency key: a retry is the same payout, and no payout is ever
// above what is available.
func ExampleService_RequestPayout() {
	ctx := context.Background()
	now := time.Date(2026, time.March, 2, 9, 0, 0, 0, time.UTC)
	svc, err := exampleEnrolled(&now)
	if err != nil {
		fmt.Println(err)
		return
	}
	self := payment.Supplier("supplier-9")
	usd := func(s string) payment.Money { return payment.MustParse(s, payment.USD) }
	_, _ = svc.RecordOrder(ctx, payment.System("orders"), "supplier-9", supplier.OrderRecord{OrderID: "order-1", BuyerID: "buyer-1",
		Value: usd("3200.00"), CompletedAt: now, Release: supplier.Release{Paid: usd("3136.00")}})
	_, err = svc.RequestPayout(ctx, self, "supplier-9", "payout-1", supplier.PayoutRequest{Amount: usd("1000.00")})
	var held *supplier.PayoutHeldError
	if errors.As(err, &held) {
		fmt.Println("held:", held.Reasons[0].Code)
	}
	_, _ = svc.SetPayoutDestination(ctx, self, "supplier-9", "acct_1Nb7")
	p, _ := svc.RequestPayout(ctx, self, "supplier-9", "payout-1", supplier.PayoutRequest{Amount: usd("1000.00")})
	retry, _ := svc.RequestPayout(ctx, self, "supplier-9", "payout-1", supplier.PayoutRequest{Amount: usd("1000.00")})
	fmt.Println(p.Amount, p.Status, "retried:", retry.ID == p.ID)
	_, err = svc.RequestPayout(ctx, self, "supplier-9", "payout-2", supplier.PayoutRequest{Amount: usd("2136.01")})
	fmt.Println(errors.Is(err, supplier.ErrInsufficientBalance))
	// Output:
	// held: no_payout_destination
	// USD 1000.00 pending retried: true
	// true
}
