-- Shipment lines still on their way (or planned) at the end of the as-of day, with delays.
with as_of as (

    select * from {{ ref('int_as_of') }}

),

open_lines as (

    select *
    from {{ ref('int_shipment_lines') }}
    where shipment_status not in ('received', 'cancelled')

),

lanes as (

    select origin_id, destination_id, mode, transit_days, lane_status
    from {{ ref('stg_raw__lanes') }}

),

skus as (

    select sku, unit_cost from {{ ref('stg_raw__skus') }}

),

arrivals as (

    select
        open_lines.*,
        as_of.as_of,
        lanes.transit_days as lane_transit_days,
        coalesce(lanes.lane_status = 'disrupted', false) as is_lane_disrupted,
        -- an eta that has passed without receipt moves to tomorrow at the earliest
        greatest(cast(open_lines.eta as date), as_of.as_of + 1) as expected_arrival,
        cast(open_lines.eta as date) - cast(open_lines.original_eta as date) as eta_moved_days,
        cast(open_lines.eta as date) <= as_of.as_of as is_overdue,
        skus.unit_cost
    from open_lines
    cross join as_of
    left join lanes
        on open_lines.origin_id = lanes.origin_id
        and open_lines.destination_id = lanes.destination_id
        and open_lines.mode = lanes.mode
    left join skus
        on open_lines.sku = skus.sku

),

delays as (

    select
        *,
        greatest(expected_arrival - cast(original_eta as date), 0) as days_late
    from arrivals

)

select
    as_of,
    shipment_id,
    sku,
    quantity,
    origin_id,
    destination_id,
    mode,
    shipment_status as status,
    shipped_at,
    eta,
    original_eta,
    lane_transit_days,
    expected_arrival,
    cast(days_late as bigint) as days_late,
    days_late > 0 or is_lane_disrupted as is_delayed,
    -- NULL when on time; otherwise every reason that applies, '; '-separated
    nullif(concat_ws('; ',
        case when eta_moved_days > 0 then 'eta moved ' || cast(eta_moved_days as varchar) || ' days' end,
        case when is_overdue then 'overdue' end,
        case when is_lane_disrupted then 'lane disrupted' end
    ), '') as delay_reason,
    unit_cost,
    quantity * unit_cost as value
from delays
