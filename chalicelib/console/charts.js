// Apache ECharts, vendored (vendor/echarts.min.js, Apache-2.0): loaded once, on the first page with a chart.

const VERSION = "6.1.0"; // in the URL, so the file may be cached for a year
let loading = null;

export function echartsReady() {
  if (window.echarts) return Promise.resolve(window.echarts);
  if (!loading) {
    loading = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = `vendor/echarts.min.js?v=${VERSION}`;
      script.onload = () => resolve(window.echarts);
      script.onerror = () => {
        loading = null;
        reject(new Error("图表组件加载失败"));
      };
      document.head.append(script);
    });
  }
  return loading;
}

const live = new Set();
window.addEventListener("resize", () => live.forEach((c) => c.resize()));

// Draw `option` into `el` (a .chart div with an aria-label describing it); returns the chart.
export async function draw(el, option) {
  const echarts = await echartsReady();
  for (const chart of live) if (chart.isDisposed() || !document.body.contains(chart.getDom())) live.delete(chart);
  const chart = echarts.getInstanceByDom(el) || echarts.init(el, null, { renderer: "canvas" });
  chart.setOption({ textStyle: { fontFamily: "WenQuanYi Micro Hei, Microsoft YaHei, sans-serif" }, ...option }, true);
  live.add(chart);
  el.dataset.ready = "true";
  return chart;
}

export const PALETTE = ["#b71c1c", "#1d4ed8", "#137333", "#a15c00", "#6b21a8", "#0e7490"];
