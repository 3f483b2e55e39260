-- An order is one supplier's: its id names one record in the whole table,
-- and the supplier of an order is found from it (Store.SupplierOf).
CREATE UNIQUE INDEX supplier_orders_order ON supplier_orders (order_id);
