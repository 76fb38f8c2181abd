-- First-in-first-out age layers of the stock on hand per sku x stock-holding location at the end
-- of the as-of day. Units leave in the order they arrived (orders, transfers out, shrinkage), so
-- the units still on hand are the most recent receipts: receipts (shipments received, returns
-- restocked) are taken newest first until they add up to on hand. Units that no receipt
-- explains (stock already there at the first snapshot or count, or found by a count) form an
-- 'opening' layer dated at the earliest date known for the sku there (first anchor or first
-- receipt): their age is a lower bound.
with as_of as (

    select * from {{ ref('int_as_of') }}

),

on_hand as (

    select sku, location_id, on_hand
    from {{ ref('int_stock_on_hand_at_moments') }}
    where moment_type = 'as_of' and on_hand > 0

),

receipts as (

    select
        ledger.sku,
        ledger.location_id,
        cast(ledger.moved_at as date) as layer_date,
        case when ledger.movement_type = 'return_restocked' then 'return' else 'receipt' end
            as layer_source,
        sum(ledger.units) as units
    from {{ ref('int_stock_ledger') }} as ledger
    inner join on_hand
        on ledger.sku = on_hand.sku and ledger.location_id = on_hand.location_id
    where ledger.units > 0
    group by 1, 2, 3, 4

),

receipts_newest_first as (

    select
        receipts.*,
        on_hand.on_hand,
        -- units of newer receipts (same day: receipts before returns, for a stable order)
        coalesce(sum(receipts.units) over (
            partition by receipts.sku, receipts.location_id
            order by receipts.layer_date desc, receipts.layer_source desc
            rows between unbounded preceding and 1 preceding
        ), 0) as newer_units
    from receipts
    inner join on_hand
        on receipts.sku = on_hand.sku and receipts.location_id = on_hand.location_id

),

receipt_layers as (

    select
        sku,
        location_id,
        layer_date,
        layer_source,
        least(units, on_hand - newer_units) as units
    from receipts_newest_first
    where newer_units < on_hand

),

explained as (

    select sku, location_id, sum(units) as units from receipt_layers group by 1, 2

),

first_known as (

    select sku, location_id, min(known_date) as first_date
    from (
        select sku, location_id, cast(anchor_at as date) as known_date
        from {{ ref('int_stock_anchors') }}
        union all
        select sku, location_id, layer_date from receipts
    ) as known
    group by 1, 2

),

opening_layers as (

    select
        on_hand.sku,
        on_hand.location_id,
        coalesce(first_known.first_date, as_of.as_of) as layer_date,
        'opening' as layer_source,
        on_hand.on_hand - coalesce(explained.units, 0) as units
    from on_hand
    cross join as_of
    left join explained
        on on_hand.sku = explained.sku and on_hand.location_id = explained.location_id
    left join first_known
        on on_hand.sku = first_known.sku and on_hand.location_id = first_known.location_id
    where on_hand.on_hand > coalesce(explained.units, 0)

),

layers as (

    select * from receipt_layers
    union all
    select * from opening_layers

)

select
    as_of.as_of,
    layers.sku,
    layers.location_id,
    layers.layer_date,
    layers.layer_source,
    cast(layers.units as bigint) as units,
    cast(as_of.as_of - layers.layer_date as integer) as age_days
from layers
cross join as_of
