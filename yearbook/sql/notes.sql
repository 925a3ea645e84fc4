-- observation_notes, notes, observations_with_notes: the notes the data carry (series breaks, former names of
-- regions, forms not submitted, ministries' footnote marks), attached to the observations they concern; the same
-- notes the workbook prints, in the same words.
-- source: observations, and what yearbook/publish/notes.py declares for this connection from
-- schemas/tables/yearbook.yaml: note_texts (every note the data may carry), note_areas (the region-years a boundary
-- or renaming note concerns), note_marks (the note of each footnote mark), footnote_marks (the cells read with one).
-- A footnote mark is attached where the store shows the figure (obs_conf F): in the public store a note never
-- tells more of a hidden figure than its key does.
CREATE OR REPLACE TABLE observation_notes (
    {key_definition},
    note_id VARCHAR NOT NULL,
    PRIMARY KEY ({key}, note_id)
);

INSERT INTO observation_notes
WITH by_area AS (  -- a boundary change or a former name: every observation of the region in the year
    SELECT {key_of[o]}, a.note_id
    FROM observations AS o
    JOIN note_areas AS a ON a.ref_area = o.ref_area AND a.time_period = o.time_period
),
by_mark AS (  -- a footnote mark: the figure read from the marked cell
    SELECT {key_of[o]}, m.note_id
    FROM observations AS o
    JOIN footnote_marks AS f
        ON ({key_of[f]}) = ({key_of[o]})
        AND (f.source_file, f.source_sheet, f.source_cell) = (o.source_file, o.source_sheet, o.source_cell)
    JOIN note_marks AS m ON m.mark = f.mark
    WHERE o.obs_conf = 'F'
),
final AS (
    SELECT * FROM by_area
    UNION ALL
    SELECT * FROM by_mark
)
SELECT * FROM final
ORDER BY ALL;

CREATE OR REPLACE TABLE notes (
    note_id VARCHAR PRIMARY KEY,
    kind VARCHAR NOT NULL,
    text_kk VARCHAR,
    text_ru VARCHAR,
    text_en VARCHAR
);

INSERT INTO notes
SELECT note_id, kind, text_kk, text_ru, text_en
FROM note_texts
WHERE note_id IN (SELECT note_id FROM observation_notes)
    OR kind = 'form_not_submitted'  -- no observation to attach to: observations has no row of a form not submitted
ORDER BY note_id;

CREATE OR REPLACE VIEW observations_with_notes AS
SELECT o.*, n.notes
FROM observations AS o
LEFT JOIN (
    SELECT {key}, list(note_id ORDER BY note_id) AS notes
    FROM observation_notes
    GROUP BY ALL
) AS n USING ({key});
