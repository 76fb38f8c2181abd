-- Amazon Restock Inventory recommendation rows, as loaded by the marketplace-report adapters.
select
    report_date,
    reported_at,
    location_id,
    sku,
    recommended_quantity,
    recommended_ship_date,
    recommended_action,
    alert,
    available,
    inbound,
    units_sold_30d,
    days_of_supply,
    _source_file,
    _row_number,
    _loaded_at
from {{ source('raw', 'amazon_restock') }}
