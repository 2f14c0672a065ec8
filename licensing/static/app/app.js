// Progressive enhancement only: every page works without JavaScript.
import { initAll } from './govuk-frontend.min.js'

initAll()

// A form shown again with its errors is the answer to a POST. Its history entry becomes a GET
// of the form's own address, so Back to it after the form is saved shows the form again rather
// than the browser's "Confirm Form Resubmission" (docs/pages.md, "A journey that keeps its place").
const answered = document.querySelector('[data-app-form-address]')
if (answered) window.history.replaceState(null, '', answered.dataset.appFormAddress)

// "Print this record": the browser's print dialogue (the print styles do the rest).
for (const link of document.querySelectorAll('[data-app-print]')) {
  link.addEventListener('click', (event) => {
    event.preventDefault()
    window.print()
  })
}

// A table the server sorts and filters through links and a GET form: with JavaScript, the
// heading links sort the rows in place and the name box filters as the analyst types. The
// address is kept in step, so a copied link or a reload shows the same table.
for (const table of document.querySelectorAll('[data-module="app-sortable-table"]')) {
  const body = table.tBodies[0]
  const rows = () => Array.from(body.rows)
  const value = (row, index) => {
    const cell = row.cells[index]
    const raw = cell.dataset.sortValue ?? cell.textContent.trim()
    return raw === '' ? null : (isNaN(Number(raw)) ? raw.toLowerCase() : Number(raw))
  }
  const headings = Array.from(table.tHead.rows[0].cells)
  headings.forEach((heading, index) => {
    const link = heading.querySelector('a')
    if (!link) return
    link.addEventListener('click', (event) => {
      event.preventDefault()
      const descending = heading.getAttribute('aria-sort') === 'ascending'
      const sorted = rows().sort((a, b) => {
        const x = value(a, index)
        const y = value(b, index)
        if (x === null || y === null) return (x === null) - (y === null) // blanks last
        return (x < y ? -1 : x > y ? 1 : 0) * (descending ? -1 : 1)
      })
      body.append(...sorted)
      for (const other of headings) if (other.hasAttribute('aria-sort')) other.setAttribute('aria-sort', 'none')
      heading.setAttribute('aria-sort', descending ? 'descending' : 'ascending')
      const url = new URL(link.href)
      url.searchParams.set('order', descending ? 'descending' : '')
      if (!descending) url.searchParams.delete('order')
      window.history.replaceState(null, '', url.pathname + url.search + url.hash)
    })
  })
  const filter = table.dataset.filterInput && document.getElementById(table.dataset.filterInput)
  if (filter) {
    filter.addEventListener('input', () => {
      const wanted = filter.value.trim().toLowerCase()
      for (const row of rows()) row.hidden = !row.cells[0].textContent.toLowerCase().includes(wanted)
    })
  }
}
