/**
 * Directed-graph helpers for the validator: flow maps (nodes joined by edges) and a user's flows
 * (joined by Go to flow). Small and iterative, so a large map cannot overflow the stack.
 */
export type Successors = (vertex: string) => readonly string[];

/**
 * The strongly connected components of a graph (Tarjan's algorithm, iterative). Each component
 * lists its vertices in the order of `vertices`, and components come in the order of their first
 * vertex, so the result does not depend on traversal details.
 */
export function stronglyConnectedComponents(
  vertices: readonly string[],
  successors: Successors,
): string[][] {
  const order = new Map(vertices.map((v, i) => [v, i]));
  const index = new Map<string, number>();
  const lowLink = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;

  for (const root of vertices) {
    if (index.has(root)) continue;
    // Each frame is a vertex and the position of the next successor to look at.
    const frames: { vertex: string; next: number; targets: readonly string[] }[] = [];
    const enter = (vertex: string) => {
      index.set(vertex, counter);
      lowLink.set(vertex, counter);
      counter++;
      stack.push(vertex);
      onStack.add(vertex);
      frames.push({ vertex, next: 0, targets: successors(vertex).filter((t) => order.has(t)) });
    };
    enter(root);
    while (frames.length > 0) {
      const frame = frames[frames.length - 1];
      if (frame === undefined) break;
      const target = frame.targets[frame.next];
      if (target !== undefined) {
        frame.next++;
        if (!index.has(target)) enter(target);
        else if (onStack.has(target)) {
          lowLink.set(frame.vertex, Math.min(low(lowLink, frame.vertex), low(index, target)));
        }
        continue;
      }
      frames.pop();
      const parent = frames[frames.length - 1];
      if (parent !== undefined) {
        lowLink.set(
          parent.vertex,
          Math.min(low(lowLink, parent.vertex), low(lowLink, frame.vertex)),
        );
      }
      if (low(lowLink, frame.vertex) === low(index, frame.vertex)) {
        const component: string[] = [];
        for (;;) {
          const member = stack.pop();
          if (member === undefined) break;
          onStack.delete(member);
          component.push(member);
          if (member === frame.vertex) break;
        }
        components.push(component.sort((a, b) => rank(order, a) - rank(order, b)));
      }
    }
  }
  return components.sort((a, b) => rank(order, a[0]) - rank(order, b[0]));
}

/**
 * The components that hold a cycle: more than one vertex, or one vertex with an edge to itself.
 */
export function cyclicComponents(vertices: readonly string[], successors: Successors): string[][] {
  return stronglyConnectedComponents(vertices, successors).filter(
    (component) =>
      component.length > 1 ||
      (component[0] !== undefined && successors(component[0]).includes(component[0])),
  );
}

/** Vertices reachable from `start` (itself included), breadth first. */
export function reachableFrom(start: string, successors: Successors): Set<string> {
  const reached = new Set<string>([start]);
  const queue = [start];
  for (let vertex = queue.shift(); vertex !== undefined; vertex = queue.shift()) {
    for (const next of successors(vertex)) {
      if (reached.has(next)) continue;
      reached.add(next);
      queue.push(next);
    }
  }
  return reached;
}

function low(map: ReadonlyMap<string, number>, vertex: string): number {
  return map.get(vertex) ?? 0;
}

function rank(order: ReadonlyMap<string, number>, vertex: string | undefined): number {
  return vertex === undefined ? 0 : (order.get(vertex) ?? 0);
}
