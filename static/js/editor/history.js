// Undo and redo as stacks of commands. A command is {label, apply(), revert()}; the history knows nothing
// about drawing or saving: whoever applies a command also tells the store, which tells everyone else.

export const DEFAULT_DEPTH = 500;

export class History {
  constructor(depth = DEFAULT_DEPTH) {
    this.depth = depth;
    this.undoStack = [];
    this.redoStack = [];
    this.listeners = new Set();
  }

  /** Apply a command and remember it; a new command forgets whatever could have been redone. */
  run(command) {
    command.apply();
    this.undoStack.push(command);
    if (this.undoStack.length > this.depth) this.undoStack.shift();
    this.redoStack = [];
    this.emit("run", command);
    return command;
  }

  undo() {
    const command = this.undoStack.pop();
    if (!command) return null;
    command.revert();
    this.redoStack.push(command);
    this.emit("undo", command);
    return command;
  }

  redo() {
    const command = this.redoStack.pop();
    if (!command) return null;
    command.apply();
    this.undoStack.push(command);
    this.emit("redo", command);
    return command;
  }

  get canUndo() {
    return this.undoStack.length > 0;
  }

  get canRedo() {
    return this.redoStack.length > 0;
  }

  /** Listen to "run", "undo" and "redo"; returns a function that stops listening. */
  subscribe(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(kind, command) {
    for (const listener of this.listeners) listener(kind, command);
  }
}
