// One webhook delivery attempt, as every sandbox makes it: POST with a timeout (an answer slower than
// the platform waits counts as a failure, 'timeout'), redirects not followed, the body drained. The
// controller is kept in `inFlight` while the attempt runs so that closing the sandbox aborts it.
export async function postDelivery(
  url: string,
  body: string,
  headers: Record<string, string>,
  opts: { timeoutMs: number; inFlight: Set<AbortController> },
): Promise<{ status: number | null; error: string | null }> {
  const controller = new AbortController();
  opts.inFlight.add(controller);
  const timer = setTimeout(() => controller.abort(), opts.timeoutMs);
  try {
    const res = await fetch(url, { method: 'POST', body, headers, redirect: 'manual', signal: controller.signal });
    await res.arrayBuffer().catch(() => undefined);
    return { status: res.status, error: null };
  } catch (e) {
    return { status: null, error: controller.signal.aborted ? 'timeout' : (e as Error).message };
  } finally {
    clearTimeout(timer);
    opts.inFlight.delete(controller);
  }
}
