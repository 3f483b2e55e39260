// Package systemtest holds the whole-system model-based test of
// tradeassure: random sequences of operations by random actors on the
// public services (order, payment, escrow, supplier, dispute), wired on one
// manual clock, checked after every step against a reference model of what
// must always hold — balanced escrow ledgers, order states their history
// reaches, supplier reservations that match the open covered orders,
// compensations and decisions carried out once, retries that replay and
// refusals that change nothing.
//
// The package has no exported API: everything is in its tests.
package systemtest
