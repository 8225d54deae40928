"""附件 pages: upload, download and delete on any record's detail page."""
