"""The annual report on SME work (中小企业工作年度报告) of every centre: prepared as a draft on 1 January
with the year's figures, written by the centre's supervisors, approved by the centre above and issued
as a PDF; due 31 January (a clock of no case on the engine). A workflow with its own audit chain."""
