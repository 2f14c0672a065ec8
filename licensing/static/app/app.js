// Progressive enhancement only: every page works without JavaScript.
import { initAll } from './govuk-frontend.min.js'

initAll()

// "Print this record": the browser's print dialogue (the print styles do the rest).
for (const link of document.querySelectorAll('[data-app-print]')) {
  link.addEventListener('click', (event) => {
    event.preventDefault()
    window.print()
  })
}
