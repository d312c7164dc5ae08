-- ipbras.lua - sources/SCAN/IPBRAS from the SCAN portal: the active-IP count graph of each BRAS.
--
-- ul.list-group blocks after a first header block; the name is what follows "SUMATORIA" up to
-- " - ". These graphs count addresses, not traffic: capacity is always 0 and not listed for
-- review. Rules: docs/portal.md; helpers: lib/portal.lua.

local portal = require("portal")

local function scrape(url)
	local doc = portal.fetch(url)
	local rows = {}
	for i, block in ipairs(portal.all(doc, "ul.list-group", url)) do
		if i > 1 then
			local r = portal.block_row(block, url, "SUMATORIA", " - ", "HUAWEI")
			if r then
				rows[#rows + 1] = r
			end
		end
	end
	return rows
end

return portal.run({
	layer = "IPBRAS",
	review_zero = false,
	vendors = {
		{ name = "HUAWEI", setting = "SCAN_URL_IPBRAS", scrape = scrape },
	},
})
