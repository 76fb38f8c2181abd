-- Every physical stock movement per sku x location up to the end of the as-of day, signed
-- (+ in, - out). Reservations, inbound and pending returns are not movements.
with as_of as (

    select * from {{ ref('int_as_of') }}

),

stock_locations as (

    select location_id
    from {{ ref('stg_raw__locations') }}
    where location_type in {{ sql_value_list(var('stock_location_types')) }}

),

order_lines_shipped as (

    select
        'order_shipped' as movement_type,
        sku,
        location_id,
        shipped_at as moved_at,
        -units as units,
        order_id as document_id,
        line_id as document_line
    from {{ ref('int_order_line_components') }}
    where is_shipped

),

shipments as (

    select * from {{ ref('int_shipment_lines') }}

),

shipments_received as (

    select
        'shipment_received' as movement_type,
        sku,
        destination_id as location_id,
        arrived_at as moved_at,
        quantity as units,
        shipment_id as document_id,
        sku as document_line
    from shipments
    where shipment_status = 'received'

),

shipments_departed as (

    -- a received shipment left its origin too; planned or cancelled ones never did
    select
        'shipment_departed' as movement_type,
        sku,
        origin_id as location_id,
        shipped_at as moved_at,
        -quantity as units,
        shipment_id as document_id,
        sku as document_line
    from shipments
    where shipment_status not in ('planned', 'cancelled')

),

returns_restocked as (

    select
        'return_restocked' as movement_type,
        sku,
        location_id,
        restocked_at as moved_at,
        units,
        return_id as document_id,
        listing_sku as document_line
    from {{ ref('int_return_components') }}
    where return_status = 'restocked'

),

movements as (

    select * from order_lines_shipped
    union all
    select * from shipments_received
    union all
    select * from shipments_departed
    union all
    select * from returns_restocked

)

select
    movements.movement_type,
    movements.sku,
    movements.location_id,
    movements.moved_at,
    cast(movements.units as bigint) as units,
    movements.document_id,
    movements.document_line
from movements
cross join as_of
-- suppliers (and unknown locations) hold none of the seller's stock
inner join stock_locations
    on movements.location_id = stock_locations.location_id
where movements.moved_at < as_of.cutoff_at
