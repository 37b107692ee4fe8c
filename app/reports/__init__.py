"""Reports supervisors print: every centre's monthly report (issued on the first working day of the
next month), the annual report on SME work (a workflow due 31 January), and statistics for any
period. Every figure comes from one query layer (``app.reports.figures``), read alike by the pages,
the PDFs, the workbooks, the API and the drill-down lists."""
