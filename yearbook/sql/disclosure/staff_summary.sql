-- What disclosure control hid and why, for staff: disclosure_cells (written by yearbook.store) holds the key of
-- every figure the public store hides with its reason: ministry (withheld in the workbook), primary (a small
-- count), secondary (a complement, hidden so that no small count can be recomputed), derived (a rate of a
-- hidden input). The values come from this store's observations, every figure as reported.

-- the counts, per indicator (over observations) and per yearbook table as printed (over its cells)
CREATE OR REPLACE TEMP VIEW disclosure_counts AS
WITH figures AS (
    SELECT 'indicator' AS grouped_by, o.indicator AS name, o.value, d.reason
    FROM observations AS o
    LEFT JOIN disclosure_cells AS d USING ({key})
    UNION ALL
    SELECT 'table' AS grouped_by, c.view_name AS name, o.value, d.reason
    FROM yb_cells AS c
    LEFT JOIN observations AS o USING ({key})
    LEFT JOIN disclosure_cells AS d USING ({key})
)
SELECT
    grouped_by,
    name,
    count(*) AS figures,
    count(reason) AS hidden,
    count(*) FILTER (WHERE reason = 'ministry') AS ministry,
    count(*) FILTER (WHERE reason = 'primary') AS "primary",
    count(*) FILTER (WHERE reason = 'secondary') AS secondary,
    count(*) FILTER (WHERE reason = 'derived') AS derived,
    coalesce(sum(value) FILTER (WHERE reason IS NOT NULL), 0) AS hidden_value
FROM figures
GROUP BY grouped_by, name;

CREATE OR REPLACE TABLE disclosure_summary AS
SELECT name AS indicator, * EXCLUDE (grouped_by, name), round(hidden / figures, 4) AS hidden_share
FROM disclosure_counts
WHERE grouped_by = 'indicator' AND hidden > 0
ORDER BY indicator;

CREATE OR REPLACE TABLE disclosure_tables AS
SELECT t.table_id, t.table_number, n.figures AS cells, n.* EXCLUDE (grouped_by, name, figures), round(n.hidden / n.figures, 4) AS hidden_share
FROM disclosure_counts AS n
JOIN yb_tables AS t ON t.view_name = n.name
WHERE n.grouped_by = 'table'
ORDER BY t.position;

DROP VIEW disclosure_counts;
