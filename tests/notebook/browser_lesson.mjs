// A student in a real browser: opens the lesson in Jupyter Notebook (classic,
// 6.x), runs the cells one by one with Shift+Enter, stops a training cell
// with the toolbar's interrupt button, checks that the kernel kept its state,
// and restarts the kernel.  Headless Debian Chromium, driven by playwright-core.
//
//   node browser_lesson.mjs BASE_URL TOKEN NOTEBOOK SCREENSHOT_DIR
//
// Prints one JSON object (the facts the pytest side asserts on) as the last
// line of stdout; exits non-zero only when the browser itself failed.
import { chromium } from 'playwright-core';
import path from 'node:path';

const [baseUrl, token, notebook, shots] = process.argv.slice(2);
const CELL_TIMEOUT = 300_000;
const facts = { steps: [], images: [], errors: [], console: [] };

function step(name, ok, detail = '') {
  facts.steps.push({ name, ok: Boolean(ok), detail: String(detail).slice(0, 2000) });
  process.stderr.write(`${ok ? 'ok' : 'FAILED'}: ${name} ${detail ? '- ' + String(detail).slice(0, 300) : ''}\n`);
}

async function shot(page, name, cellIndex) {
  const file = path.join(shots, name);
  if (cellIndex === undefined) {
    await page.screenshot({ path: file });
  } else {
    const cell = page.locator('#notebook-container .cell').nth(cellIndex);
    await cell.scrollIntoViewIfNeeded();
    await cell.screenshot({ path: file });
  }
  facts.screenshots = (facts.screenshots || []).concat(file);
}

// What the notebook page knows about cell i (read, never changed, through the page's own model).
function cellInfo(page, i) {
  return page.evaluate((i) => {
    const cell = Jupyter.notebook.get_cell(i);
    const el = cell.element[0];
    return {
      type: cell.cell_type,
      source: cell.get_text(),
      prompt: (el.querySelector('.input_prompt') || { textContent: '' }).textContent,
      text: Array.from(el.querySelectorAll('.output_text')).map((o) => o.textContent).join('\n'),
      errors: Array.from(el.querySelectorAll('.output_error')).map((o) => o.textContent),
      images: Array.from(el.querySelectorAll('.output_png img')).map((img) => ({
        src: img.getAttribute('src').slice(0, 22), width: img.naturalWidth, height: img.naturalHeight,
      })),
    };
  }, i);
}

async function waitForCell(page, i, timeout = CELL_TIMEOUT) {
  await page.waitForFunction((i) => {
    const cell = Jupyter.notebook.get_cell(i);
    if (cell.cell_type !== 'code') return true;
    return /\[\d+\]/.test(cell.element[0].querySelector('.input_prompt').textContent);
  }, i, { timeout, polling: 200 });
  return cellInfo(page, i);
}

// Waits until the running cell i prints pattern; false if it ended first.
async function waitForOutput(page, i, pattern, timeout = CELL_TIMEOUT) {
  await page.waitForFunction(([i, pattern]) => {
    const el = Jupyter.notebook.get_cell(i).element[0];
    const text = Array.from(el.querySelectorAll('.output_text')).map((o) => o.textContent).join('\n');
    return new RegExp(pattern).test(text) || /\[\d+\]/.test(el.querySelector('.input_prompt').textContent);
  }, [i, pattern], { timeout, polling: 250 });
  return new RegExp(pattern).test((await cellInfo(page, i)).text);
}

async function waitForIdle(page, timeout = 120_000) {
  await page.waitForSelector('#kernel_indicator_icon.kernel_idle_icon', { timeout });
}

async function selectedIndex(page) {
  return page.evaluate(() => Jupyter.notebook.get_selected_index());
}

// Shift+Enter on the selected cell, as a student does.
async function runSelected(page) {
  const i = await selectedIndex(page);
  await page.keyboard.press('Shift+Enter');
  return i;
}

// A new cell below the selected one (or the empty cell that Shift+Enter on
// the last cell made), typed in, run with Shift+Enter.
// Each key press waits for its effect: right after a dialog (the restart
// confirmation fading out) a key can otherwise land nowhere, and the code
// would be typed into the previous cell.
async function typeNewCell(page, code) {
  await page.waitForFunction(() => !document.querySelector('.modal.in, .modal-backdrop'),
    null, { timeout: 30_000 });
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => Jupyter.notebook.get_selected_cell().mode === 'command');
  const empty = await page.evaluate(() => Jupyter.notebook.get_selected_cell().get_text() === '');
  if (!empty) {
    const before = await selectedIndex(page);
    await page.keyboard.press('b');
    await page.waitForFunction((before) => Jupyter.notebook.get_selected_index() === before + 1
      && Jupyter.notebook.get_selected_cell().get_text() === '', before, { timeout: 30_000 });
  }
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => Jupyter.notebook.get_selected_cell().mode === 'edit');
  await page.keyboard.type(code);
  await page.waitForFunction((code) => Jupyter.notebook.get_selected_cell().get_text() === code,
    code, { timeout: 30_000 });
  const i = await runSelected(page);
  return { ...(await waitForCell(page, i)), index: i };
}

async function main() {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--disable-sync', '--headless'],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
  page.on('pageerror', (e) => facts.console.push(`pageerror: ${e.message}`));
  page.on('dialog', (d) => d.dismiss());
  try {
    await page.goto(`${baseUrl}/notebooks/${notebook}?token=${token}`);
    await page.waitForFunction(() => window.Jupyter && Jupyter.notebook && Jupyter.notebook.kernel
      && Jupyter.notebook.kernel.is_connected(), null, { timeout: 120_000 });
    await waitForIdle(page);
    facts.kernel = await page.evaluate(() => Jupyter.notebook.kernel.name);
    facts.kernel_display = await page.locator('.kernel_indicator_name').textContent().catch(() => '');
    step('notebook opens with the cnb kernel', facts.kernel === 'cnb', facts.kernel);
    await shot(page, '01-opened.png');

    const count = await page.evaluate(() => Jupyter.notebook.ncells());
    const trainCells = [];
    for (let i = 0; i < count; i++) {
      const src = await page.evaluate((i) => Jupyter.notebook.get_cell(i).get_text(), i);
      if (/^train_model\(/m.test(src)) trainCells.push(i);
    }
    const interruptAt = trainCells[trainCells.length - 1];   // the Fashion-MNIST training

    // Start at the top: click the first cell, then Shift+Enter through the notebook.
    await page.locator('#notebook-container .cell').first().click();
    let interrupted = false;
    while (true) {
      const i = await selectedIndex(page);
      if (i >= count - 1) {
        // The last cell; then the student checks that the kernel still knows its variables.
        await runSelected(page);
        await waitForCell(page, i);
        step('a training cell was interrupted', interrupted, `train_model cells: ${trainCells}`);
        const probe = await typeNewCell(page,
          'printf("batch_size=%d epochs=%d label=%s\\n", batch_size, epochs, label_dict[9]);');
        step('state is kept after the interrupt', /batch_size=64 epochs=20 label=Ankle Boot/.test(probe.text),
          probe.text + probe.errors.join('\n'));
        await shot(page, '06-state-after-interrupt.png', probe.index);
        break;
      }
      await runSelected(page);
      if (i === interruptAt) {
        // Let the first epoch finish (a checkpoint exists), then stop in the middle of the second.
        const reached = await waitForOutput(page, i, 'Epoch \\[2/20\\], Step \\[200/938\\]');
        await shot(page, '04-training-running.png', i);
        if (!reached) {
          const info = await cellInfo(page, i);
          step('training cell is running when interrupted', false, info.text + info.errors.join('\n'));
          break;
        }
        const running = await cellInfo(page, i);
        step('training cell is running when interrupted', /\[\*\]/.test(running.prompt), running.prompt);
        await page.locator('button[data-jupyter-action="jupyter-notebook:interrupt-kernel"]').click();
        const info = await waitForCell(page, i, 60_000);
        await waitForIdle(page);
        interrupted = true;
        facts.interrupted_text = info.text;
        facts.interrupted_errors = info.errors;
        step('the stop button interrupts the training', info.errors.length > 0
          && !/Epoch \[20\/20\]/.test(info.text), info.errors.join('\n'));
        await shot(page, '05-interrupted.png', i);
        continue;
      }
      const info = await waitForCell(page, i);
      if (info.errors.length) facts.errors.push({ cell: i, source: info.source.slice(0, 2000), errors: info.errors });
      if (info.images.length) facts.images.push({ cell: i, source: info.source.slice(0, 2000), images: info.images });
      if (/show_images\(/.test(info.source) && facts.images.length === 1) await shot(page, '02-sample-grid.png', i);
      if (/show_images\(/.test(info.source) && facts.images.length === 2) await shot(page, '03-fashion-samples.png', i);
      if (/show_confusion_matrix\(/.test(info.source)) await shot(page, '07-heatmap.png', i);
      if (/Accuracy/.test(info.text)) facts.accuracy_lines = (facts.accuracy_lines || []).concat(info.text.match(/.*Accuracy.*/g));
    }

    // Restart from the toolbar, confirm the dialog, and check the state is really gone.
    await page.evaluate(() => {
      window.cnbRestarted = false;
      Jupyter.notebook.events.one('kernel_ready.Kernel', () => { window.cnbRestarted = true; });
    });
    await page.locator('button[data-jupyter-action="jupyter-notebook:confirm-restart-kernel"]').click();
    await page.locator('.modal-dialog button', { hasText: 'Restart' }).click();
    await page.waitForFunction(() => window.cnbRestarted && Jupyter.notebook.kernel.is_connected(), null,
      { timeout: 120_000 });
    await waitForIdle(page);
    const after = await typeNewCell(page, 'printf("after restart: %d\\n", 6 * 7);');
    step('kernel runs cells after the restart', /after restart: 42/.test(after.text), after.text + after.errors.join('\n'));
    const gone = await typeNewCell(page, 'printf("%d\\n", batch_size);');
    step('restart cleared the state', gone.errors.length > 0 && /batch_size/.test(gone.errors.join('\n')),
      gone.text + gone.errors.join('\n'));
    await shot(page, '08-after-restart.png');
    facts.prompt_after_restart = after.prompt;
  } catch (e) {
    step('browser session', false, e.stack || e);
    await shot(page, '99-failure.png').catch(() => {});
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(facts) + '\n');
}

main().catch((e) => {
  process.stderr.write(`${e.stack || e}\n`);
  process.exit(2);
});
