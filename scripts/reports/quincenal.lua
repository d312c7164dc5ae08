-- quincenal.lua - Reporte quincenal BBIP (Data_Quincenal_BBIP.xlsx): días 1 a 15 del mes; --segunda: días 16 a fin de mes (Data_Quincenal_Segunda_BBIP.xlsx); --literal: los 15 días hasta ayer.
if sb.report.second then
	return require("bbip").run{period = "quincenal", title = "Quincenal",
		qualifier = "segunda quincena", file = "Data_Quincenal_Segunda_BBIP"}
end
return require("bbip").run{period = "quincenal", title = "Quincenal", file = "Data_Quincenal_BBIP"}
