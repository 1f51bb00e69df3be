"""Server-rendered pages (DESIGN §7 "Pages"): Persian (RTL) first, English beside it, Jalali
dates, Persian or Latin digits accepted in every input; each page calls the same services
as the API. No JavaScript is needed to use any of them."""
