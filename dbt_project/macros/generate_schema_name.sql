{#- A model configured with schema 'marts' lands in schema 'marts', not '<target>_marts':
    the schema names (staging, intermediate, marts) are a public interface for BI users. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
