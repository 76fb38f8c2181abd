-- First-in-first-out age layers of the stock on hand per sku x stock-holding location at the end
-- of the as-of day. Units leave in the order they arrived (orders, transfers out, shrinkage), so
-- the units still on hand are the most recent receipts: receipts (shipments received, returns
-- restocked) are taken newest first until they add up to on hand. Units that no receipt
-- explains (stock already there at the first snapshot or count, or found by a count) form an
-- 'opening' layer: their age is a lower bound. It is dated at the earliest date known for the
-- sku there (first anchor or first receipt), or earlier at the last day a sale could have taken
-- them: the sku's last sale anywhere; for a sku never sold, its launch date when the order data
-- reaches back to it, else the first day the order data covers. So a seller's first snapshot
-- of a sku unsold for 200 days shows units at least 200 days old, not 0.
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

last_sales as (

    select sku, max(order_date) as last_sale_date
    from {{ ref('int_demand_components') }}
    group by sku

),

order_data as (

    -- the first day the order data covers: before it, no sale is known either way
    select min(components.order_date) as first_order_date
    from {{ ref('int_order_line_components') }} as components
    cross join as_of
    where components.order_date <= as_of.as_of

),

unsold_since as (

    -- the last day a sale could have taken units of the sku, and what says so
    select
        skus.sku,
        case
            when last_sales.last_sale_date is not null then last_sales.last_sale_date
            when skus.launch_date >= order_data.first_order_date then skus.launch_date
            else order_data.first_order_date
        end as unsold_since,
        case
            when last_sales.last_sale_date is not null then 'last_sale'
            when skus.launch_date >= order_data.first_order_date then 'launch'
            when order_data.first_order_date is not null then 'order_data_start'
        end as unsold_basis
    from {{ ref('stg_raw__skus') }} as skus
    cross join order_data
    left join last_sales
        on skus.sku = last_sales.sku

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
        case
            when unsold_since.unsold_since < coalesce(first_known.first_date, as_of.as_of)
                then unsold_since.unsold_since
            else coalesce(first_known.first_date, as_of.as_of)
        end as layer_date,
        'opening' as layer_source,
        case
            when unsold_since.unsold_since < coalesce(first_known.first_date, as_of.as_of)
                then unsold_since.unsold_basis
            else 'first_known'
        end as age_basis,
        on_hand.on_hand - coalesce(explained.units, 0) as units
    from on_hand
    cross join as_of
    left join explained
        on on_hand.sku = explained.sku and on_hand.location_id = explained.location_id
    left join first_known
        on on_hand.sku = first_known.sku and on_hand.location_id = first_known.location_id
    left join unsold_since
        on on_hand.sku = unsold_since.sku
    where on_hand.on_hand > coalesce(explained.units, 0)

),

layers as (

    select sku, location_id, layer_date, layer_source, 'received' as age_basis, units from receipt_layers
    union all
    select sku, location_id, layer_date, layer_source, age_basis, units from opening_layers

)

select
    as_of.as_of,
    layers.sku,
    layers.location_id,
    layers.layer_date,
    layers.layer_source,
    layers.age_basis,
    layers.layer_source = 'opening' as age_is_lower_bound,
    cast(layers.units as bigint) as units,
    cast(as_of.as_of - layers.layer_date as integer) as age_days
from layers
cross join as_of
