-- ixp.lua - sources/SCAN/IXP from the SCAN portal: exchange-point links.
--
-- ul.list-group blocks after a first header block, as on the BORDE pages. Capacity: the "GB" word
-- of the name, else 0. Type: the last word of the name ('-', '(', ')', '\' read as spaces), the
-- exchange ("... 10GB (AMSIX)" -> AMSIX), or IXP when that word holds a digit ("... 1GB", "01"),
-- so a capacity or a port number is never taken for an exchange. Rules: docs/portal.md.

local portal = require("portal")
local sb = require("sb")

local function scrape(url)
	local doc = portal.fetch(url)
	local rows = {}
	for i, block in ipairs(portal.all(doc, "ul.list-group", url)) do
		if i > 1 then
			local r = portal.block_row(block, url, "ROUTER", "TRAFICO DE RED", "IXP")
			if r then
				local words = sb.text.split(portal.spaced(r.name))
				local last = words[#words]
				r.type = (last and not last:find("%d")) and last or "IXP"
				r.capacity = portal.capacity_before(portal.spaced(r.name), "GB") or 0
				rows[#rows + 1] = r
			end
		end
	end
	return rows
end

return portal.run({
	layer = "IXP",
	vendors = {
		{ name = "IXP", setting = "SCAN_URL_IXP", scrape = scrape },
	},
})
