// The report page's charts, drawn from the table's own figures (#chart-data); the
// table stays the page's content, readable without this script.
(function () {
  const data = JSON.parse(document.getElementById("chart-data").textContent);
  const report = document.getElementById("reports-script").dataset.report;
  const palette = ["#2456d3", "#b54708", "#067647", "#b42318", "#6941c6", "#0e9384", "#c11574"];
  const owners = (key) => Object.keys(data.series[key] || {});
  const lines = (key) =>
    owners(key).map((owner, i) => ({
      label: owner,
      data: data.series[key][owner],
      borderColor: palette[i % palette.length],
      backgroundColor: palette[i % palette.length],
      spanGaps: true,
    }));
  const sum = (key) =>
    data.labels.map((_label, i) => owners(key).reduce((total, o) => total + (data.series[key][o][i] || 0), 0));
  const draw = (id, config) => new Chart(document.getElementById(id), config);
  const title = (text) => ({ plugins: { title: { display: true, text } } });
  if (report === "queues") {
    const target = data.target === null ? [] : [{
      label: `Target ${data.target}%`, data: data.labels.map(() => data.target),
      borderDash: [6, 4], borderColor: "#667085", pointRadius: 0,
    }];
    draw("chart-trend", { type: "line", data: { labels: data.labels, datasets: [...lines("service_level"), ...target] }, options: title("Service level (%) against the target") });
    draw("chart-second", {
      type: "line",
      data: { labels: data.labels, datasets: [
        { label: "Offered", data: sum("offered"), borderColor: palette[0] },
        { label: "Answered", data: sum("answered"), borderColor: palette[2] },
        { label: "Abandoned", data: sum("abandoned"), borderColor: palette[3] },
      ] },
      options: title("Calls"),
    });
  } else {
    const states = ["available", "ringing", "on_call", "wrap_up_time", "not_ready"];
    const agents = owners("available");
    draw("chart-trend", {
      type: "bar",
      data: { labels: agents, datasets: states.map((state, i) => ({
        label: state.replace(/_/g, " "),
        data: agents.map((a) => (data.series[state][a] || []).reduce((t, v) => t + (v || 0), 0) / 3600),
        backgroundColor: palette[i % palette.length],
      })) },
      options: { ...title("Hours in each state"), scales: { x: { stacked: true }, y: { stacked: true } } },
    });
    draw("chart-second", { type: "line", data: { labels: data.labels, datasets: lines("occupancy") }, options: title("Occupancy (%)") });
  }
  document.getElementById("report-charts").dataset.drawn = "yes";
})();
