-- semanal.lua - Reporte semanal BBIP (Data_Semanal_BBIP.xlsx): lunes a domingo de la semana pasada; --literal: los 7 días hasta ayer.
return require("bbip").run{period = "semanal", title = "Semanal", file = "Data_Semanal_BBIP"}
