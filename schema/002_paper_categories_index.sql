-- 002_paper_categories_index: paper_categories is keyed (category,
-- paper_id), so finding a paper's categories (re-categorising an updated
-- paper, ON DELETE CASCADE from papers) scanned the whole table.
CREATE INDEX paper_categories_paper ON paper_categories(paper_id);
