-- One row per order line x component sku: a listing unit consumes units_per_listing of each
-- component (a plain listing has one component with 1 unit), with the line's revenue split.
with order_lines as (

    select * from {{ ref('int_order_lines') }}

),

listings as (

    select * from {{ ref('stg_raw__listings') }}

),

skus as (

    select sku, unit_price from {{ ref('stg_raw__skus') }}

),

components as (

    select
        order_lines.*,
        listings.sku,
        listings.units_per_listing,
        order_lines.quantity * listings.units_per_listing as units,
        skus.unit_price as sku_unit_price,
        -- a component's share of the listing price follows its list value in the bundle
        listings.units_per_listing * coalesce(skus.unit_price, 0) as component_value,
        sum(listings.units_per_listing * coalesce(skus.unit_price, 0))
            over (partition by order_lines.order_id, order_lines.line_id) as listing_value,
        sum(listings.units_per_listing)
            over (partition by order_lines.order_id, order_lines.line_id) as listing_units
    from order_lines
    inner join listings
        on order_lines.channel = listings.channel
        and order_lines.listing_sku = listings.listing_sku
    left join skus
        on listings.sku = skus.sku

)

select
    order_id,
    line_id,
    sku,
    ordered_at,
    cast(ordered_at as date) as order_date,
    channel,
    listing_sku,
    quantity,
    units_per_listing,
    cast(units as bigint) as units,
    line_status,
    is_open,
    is_shipped,
    is_cancelled,
    location_id,
    ship_region,
    shipped_at,
    closed_at,
    currency,
    case
        -- no price reported: value the units at the catalogue price
        when listing_unit_price is null then sku_unit_price * units
        when listing_value > 0 then quantity * listing_unit_price * component_value / listing_value
        -- every component priced 0 in the catalogue: split by units instead
        else quantity * listing_unit_price * units_per_listing / listing_units
    end as revenue
from components
