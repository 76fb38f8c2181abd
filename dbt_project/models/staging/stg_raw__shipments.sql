-- One row per shipment line status record, as loaded (ingestion applies the contract's defaults).
select
    shipment_id,
    sku,
    quantity,
    origin_id,
    destination_id,
    mode,
    shipped_at,
    eta,
    status as shipment_status,
    updated_at,
    received_at,
    _source_file,
    _row_number,
    _loaded_at
from {{ source('raw', 'shipments') }}
