-- The public store's figures, rounded to the decimals the yearbook prints them with (indicators.decimals, declared
-- in schemas/indicators.yaml), before anything is computed from them: a reader who recomputes a comparable series or
-- an SDG verdict from the published figures gets the published result. The staff store keeps the figures unrounded.
UPDATE observations AS o
SET value = round(o.value, i.decimals)
FROM indicators AS i
WHERE i.code = o.indicator
  AND o.value IS NOT NULL;
