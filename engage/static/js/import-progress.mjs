// Progressive enhancement for the response import page: the progress bar and text follow
// the job without reloading. Without JavaScript, the "Check progress" link does the same.
const box = document.querySelector("[data-import-status-url]");

if (box && box.dataset.finished !== "true") {
  const url = box.dataset.importStatusUrl;
  const bar = box.querySelector("progress");
  const text = box.querySelector("#import-progress-text");

  const poll = async () => {
    let data;
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      if (!response.ok) {
        return;
      }
      data = await response.json();
    } catch {
      setTimeout(poll, 3000);
      return;
    }
    if (data.finished) {
      // the page as the server shows it: the result, or the problems found
      window.location.reload();
      return;
    }
    if (bar) {
      bar.max = Math.max(data.total, 1);
      bar.value = data.done;
      bar.textContent = data.text;
    }
    if (text && text.textContent !== data.text) {
      text.textContent = data.text;
    }
    setTimeout(poll, 1000);
  };
  setTimeout(poll, 500);
}
