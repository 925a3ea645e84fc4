-- What the public store computes from its figures (sql/observations/), rounded as the yearbook prints it: a value in
-- an indicator's unit to the indicator's decimals, a ratio of two values and the indices of progress to 2, a change in
-- per cent to 1, a slope (a change a year) to two more than its indicator's. The staff store keeps them unrounded.
UPDATE observations_comparable AS c
SET value = round(c.value, i.decimals)
FROM indicators AS i
WHERE i.code = c.indicator
  AND c.value IS NOT NULL;

UPDATE sdg_progress AS p
SET baseline_value = round(p.baseline_value, i.decimals),
    latest_value = round(p.latest_value, i.decimals),
    anticipated_2030 = round(p.anticipated_2030, i.decimals),
    target_value = round(p.target_value, i.decimals),
    slope = round(p.slope, i.decimals + 2),
    annual_change_pct = round(p.annual_change_pct, 1),
    current_status_index = round(p.current_status_index, 2),
    anticipated_progress_index = round(p.anticipated_progress_index, 2)
FROM indicators AS i
WHERE i.code = p.indicator;

UPDATE sdg_equity AS e
SET value_a = round(e.value_a, i.decimals),
    value_b = round(e.value_b, i.decimals),
    difference = round(e.difference, i.decimals),
    ratio = round(e.ratio, 2)
FROM indicators AS i
WHERE i.code = e.indicator;
