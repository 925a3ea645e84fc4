-- Section 5, Child protection. Where do children without parental care still live in residential institutions
-- rather than with families? For each region in the latest year: the children without parental care, of whom in
-- residential institutions, under guardianship and in foster families, and the residential share, highest first.
--
-- Run: duckdb -readonly out/yearbook.duckdb < docs/queries/5_residential_care_by_region.sql
--  or: .venv/bin/python -c "import duckdb; print(duckdb.connect('out/yearbook.duckdb', read_only=True).sql(open('docs/queries/5_residential_care_by_region.sql').read()))"
--
-- Each region's grand total (breakdown '_T') in observations_totals. The forms of care are "of whom" indicators of
-- NPC_CHILD: they need not add up to it. NPC_RESID_SHARE = NPC_RESID / NPC_CHILD * 100 (indicators.formula).
-- A figure hidden by disclosure control is NULL (printed x in the yearbook).
WITH latest AS (
    SELECT max(time_period) AS time_period FROM observations WHERE indicator = 'NPC_CHILD'
),
care AS (
    PIVOT (
        SELECT t.ref_area, t.time_period, t.indicator, t.value
        FROM observations_totals AS t
        JOIN latest USING (time_period)
        WHERE t.indicator IN ('NPC_CHILD', 'NPC_RESID', 'NPC_GUARD', 'NPC_FOSTER', 'NPC_RESID_SHARE') AND t.breakdown = '_T'
    )
    ON indicator USING any_value(value)
)
SELECT
    r.name_en AS region,
    c.time_period AS year,
    c.NPC_CHILD AS without_parental_care,
    c.NPC_RESID AS in_residential_institutions,
    c.NPC_GUARD AS under_guardianship,
    c.NPC_FOSTER AS in_foster_families,
    round(c.NPC_RESID_SHARE, 1) AS residential_pct
FROM care AS c
JOIN regions AS r USING (ref_area)
WHERE c.ref_area <> 'KZ'
ORDER BY c.NPC_RESID_SHARE DESC NULLS LAST, r.display_order;
