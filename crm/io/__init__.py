"""Import and export of every list (Excel/CSV), and the merge of duplicate enterprises."""
