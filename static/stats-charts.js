// Charts of the statistics page (data from the #chart-data JSON block); a file, not an
// inline script, so the page works under the strict Content-Security-Policy.
(function () {
  if (!window.Chart) { return; }
  var data = JSON.parse(document.getElementById('chart-data').textContent);
  // Dark, distinct colours and solid/dashed lines stay readable in black-and-white print.
  var BLUE = '#1f4e79', ORANGE = '#c55a11', GREEN = '#38761d', GREY = '#7f7f7f';
  Chart.defaults.animation = false;
  Chart.defaults.color = '#212529';
  Chart.defaults.font.size = 12;
  var charts = [];
  function make(id, config) {
    var el = document.getElementById(id);
    if (el) { config.options = Object.assign({responsive: true, maintainAspectRatio: false}, config.options || {}); charts.push(new Chart(el, config)); }
  }
  make('chart-funnel', {type: 'bar', data: {labels: data.funnel.labels, datasets: [
    {label: '达到该阶段及以后', data: data.funnel.reached, backgroundColor: BLUE},
    {label: '当前项目数', data: data.funnel.counts, backgroundColor: ORANGE}]},
    options: {indexAxis: 'y', scales: {x: {beginAtZero: true, ticks: {precision: 0}}}}});
  make('chart-city', {type: 'bar', data: {labels: data.city.labels, datasets: [
    {label: '计划投资（万元）', data: data.city.planned, backgroundColor: BLUE},
    {label: '实际投资（万元）', data: data.city.actual, backgroundColor: ORANGE}]},
    options: {scales: {y: {beginAtZero: true}}}});
  make('chart-monthly', {type: 'line', data: {labels: data.monthly.labels, datasets: [
    {label: '签约', data: data.monthly.signed, borderColor: BLUE, backgroundColor: BLUE, pointStyle: 'circle'},
    {label: '开工', data: data.monthly.started, borderColor: ORANGE, backgroundColor: ORANGE, borderDash: [6, 3], pointStyle: 'rect'},
    {label: '投产', data: data.monthly.producing, borderColor: GREEN, backgroundColor: GREEN, borderDash: [2, 2], pointStyle: 'triangle'}]},
    options: {scales: {y: {beginAtZero: true, ticks: {precision: 0}}}}});
  window.addEventListener('beforeprint', function () { charts.forEach(function (c) { c.resize(); }); });
  window.addEventListener('afterprint', function () { charts.forEach(function (c) { c.resize(); }); });
  document.body.dataset.chartsReady = String(charts.length);
})();
