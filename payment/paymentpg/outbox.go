package paymentpg

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tradeassure/tradeassure/internal/pg"
	"github.com/tradeassure/tradeassure/payment"
)

// Outbox returns the payment.Outbox on pool's outbox table, which Migrate
// creates: an append inside a unit of work on pool (Unit) is a row of its
// transaction. Seq is the table's bigserial; a message appended by a unit
// that commits later than another may have a lower Seq, which Undelivered
// returns the next time (messages are marked delivered one by one, not up
// to a number), and the messages of one aggregate are numbered in the
// order of its changes, which the unit of work serializes.
func Outbox(pool *pgxpool.Pool, opts ...Option) payment.Outbox {
	return &outbox{pool: pool, schema: pg.SchemaOf(opts, storeSchema)}
}

type outbox struct {
	pool   *pgxpool.Pool
	schema pg.Schema
}

func (o *outbox) Append(ctx context.Context, msgs ...payment.Message) error {
	for _, m := range msgs {
		if !json.Valid(m.Payload) {
			return fmt.Errorf("%w: the payload of message %s %s %d is not JSON", payment.ErrInvalidRequest, m.Aggregate, m.ID, m.N)
		}
		at, ns := pg.SplitTime(m.At)
		err := pg.Write(ctx, o.pool, payment.ErrConflict, func(err error) error {
			return fmt.Errorf("paymentpg: append message %s %s %d: %w", m.Aggregate, m.ID, m.N, err)
		}, o.schema.SQL(`INSERT INTO tradeassure.outbox (aggregate, id, n, type, at, at_ns, payload) VALUES ($1, $2, $3, $4, $5, $6, $7)`),
			m.Aggregate, m.ID, m.N, m.Type, at, ns, string(m.Payload))
		if err != nil {
			return err
		}
	}
	return nil
}

func (o *outbox) Undelivered(ctx context.Context, limit int) ([]payment.Message, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("%w: a limit of %d messages", payment.ErrInvalidRequest, limit)
	}
	var msgs []payment.Message
	err := pg.Query(ctx, o.pool, func(rows pgx.Rows) (err error) {
		msgs, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (payment.Message, error) {
			var (
				m       payment.Message
				at      time.Time
				ns      int16
				payload string
			)
			err := row.Scan(&m.Seq, &m.Aggregate, &m.ID, &m.N, &m.Type, &at, &ns, &payload)
			m.At, m.Payload = instant{at, ns}.time(), json.RawMessage(payload)
			return m, err
		})
		return err
	}, o.schema.SQL(`SELECT seq, aggregate, id, n, type, at, at_ns, payload::text FROM tradeassure.outbox
		WHERE NOT delivered ORDER BY seq LIMIT $1`), limit)
	if err != nil {
		return nil, fmt.Errorf("paymentpg: read the outbox: %w", err)
	}
	return msgs, nil
}

func (o *outbox) Delivered(ctx context.Context, seq int64) error {
	return pg.Write(ctx, o.pool, payment.ErrConflict, func(err error) error {
		return fmt.Errorf("paymentpg: mark message %d delivered: %w", seq, err)
	}, o.schema.SQL(`UPDATE tradeassure.outbox SET delivered = true WHERE seq = $1 AND NOT delivered`), seq)
}
