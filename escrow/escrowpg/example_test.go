package escrowpg_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tradeassure/tradeassure/escrow"
	"github.com/tradeassure/tradeassure/escrow/escrowpg"
	"github.com/tradeassure/tradeassure/payment"
	"github.com/tradeassure/tradeassure/payment/paymentpg"
)

// Example runs an escrow Service on PostgreSQL: the tables are created (or
// found up to date) at start, and the Service is the same as on the memory
// store. It needs a database, so it is compiled but not run by go test.
func Example() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	if err := escrowpg.Migrate(ctx, pool); err != nil {
		log.Fatal(err)
	}
	svc, err := escrow.NewService(escrow.Config{Store: escrowpg.New(pool), Unit: paymentpg.Unit(pool), Clock: payment.SystemClock{}})
	if err != nil {
		log.Fatal(err)
	}

	orders := payment.System("orders")
	if _, err := svc.Open(ctx, orders, escrow.OpenRequest{OrderID: "order-1", BuyerID: "buyer-1", SupplierID: "supplier-1", Currency: payment.USD}); err != nil {
		log.Fatal(err)
	}
	deposit := escrow.HoldRequest{Amount: payment.MustParse("300.00", payment.USD), PaymentID: "pay-1", Memo: "deposit 30%"}
	r, err := svc.Hold(ctx, orders, "order-1", "order-1/deposit", deposit)
	if err != nil {
		log.Fatal(err) // escrow.ErrConflict after the Service's own retries: try again with the same key
	}
	fmt.Println("in escrow:", r.Remaining)
}
