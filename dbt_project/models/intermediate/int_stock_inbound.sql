-- Units on their way to each sku x location as of the as-of day.
-- Shipment lines: inbound = lines whose latest status is in_transit, at_port or customs;
-- inbound_planned = planned lines. Where the location's latest snapshot reports its own
-- figures (Amazon's FBA inbound, AWD's), they already hold the shipments known at the snapshot
-- moment, so nothing is counted twice:
--   inbound = greatest(reported inbound - units received since the snapshot of lines that
--             departed before it, 0) + in-transit lines that departed at or after it
--   inbound_planned = reported inbound_planned + planned lines recorded at or after it.
with lines as (

    select * from {{ ref('int_shipment_lines') }}

),

reported as (

    select sku, location_id, snapshot_at, inbound, inbound_planned
    from {{ ref('int_latest_stock_snapshots') }}
    where inbound is not null or inbound_planned is not null

),

line_figures as (

    select
        lines.sku,
        lines.destination_id as location_id,
        sum(case
            when lines.shipment_status in {{ sql_value_list(var('in_transit_shipment_statuses')) }}
                and (reported.inbound is null or lines.shipped_at >= reported.snapshot_at)
                then lines.quantity else 0 end) as in_transit_units,
        sum(case
            when lines.shipment_status = 'received' then lines.quantity else 0 end) as received_since,
        sum(case
            when lines.shipment_status = 'planned'
                and (reported.inbound_planned is null or lines.updated_at >= reported.snapshot_at)
                then lines.quantity else 0 end) as planned_units
    from lines
    left join reported
        on lines.sku = reported.sku
        and lines.destination_id = reported.location_id
    where lines.shipment_status in {{ sql_value_list(var('in_transit_shipment_statuses')) }}
        or lines.shipment_status = 'planned'
        -- received since the snapshot, having departed before it: inside its inbound figure
        or (lines.shipment_status = 'received'
            and reported.inbound is not null
            and lines.shipped_at < reported.snapshot_at
            and lines.arrived_at >= reported.snapshot_at)
    group by lines.sku, lines.destination_id

),

inbound_keys as (

    select sku, location_id from line_figures
    union
    select sku, location_id from reported

)

select
    inbound_keys.sku,
    inbound_keys.location_id,
    reported.snapshot_at as reported_at,
    reported.inbound as reported_inbound,
    reported.inbound_planned as reported_inbound_planned,
    cast(greatest(coalesce(reported.inbound, 0) - coalesce(line_figures.received_since, 0), 0)
         + coalesce(line_figures.in_transit_units, 0) as bigint) as inbound,
    cast(coalesce(reported.inbound_planned, 0) + coalesce(line_figures.planned_units, 0) as bigint)
        as inbound_planned
from inbound_keys
left join reported
    on inbound_keys.sku = reported.sku
    and inbound_keys.location_id = reported.location_id
left join line_figures
    on inbound_keys.sku = line_figures.sku
    and inbound_keys.location_id = line_figures.location_id
