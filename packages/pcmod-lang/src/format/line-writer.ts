/**
 * Collects the formatter's output line by line and weaves the source's comments back in.
 *
 * Every output line is tagged with the source line its last token came from. A comment that shared its
 * line with code (a trailing comment) goes back to the end of the last output line with that tag; a
 * comment on a line of its own is written above the next thing printed after it, at that thing's indent.
 * Blank lines: at most one, kept where the source had one between two things of the same list.
 */
import type { CommentNode } from '../ast/nodes.js';

const indentUnit = '  ';

interface OutputLine {
  readonly text: string;
  comment?: string;
}

export class LineWriter {
  private readonly lines: Array<OutputLine | null> = [];
  /** Index of the last output line per source line, for trailing comments. */
  private readonly lastLineBySourceLine = new Map<number, number>();
  private readonly comments: CommentNode[];
  private nextComment = 0;
  /** Source line where the last printed thing ended. */
  private lastSourceLine = 0;
  /** True right after a `{`: a blank line here would only be noise. */
  private atBlockStart = true;
  /** Set between sections: the next thing printed gets exactly one blank line before it. */
  private sectionBreak = false;

  constructor(
    comments: readonly CommentNode[],
    /** The source the comments' ranges refer to. */
    readonly sourceText: string,
  ) {
    this.comments = [...comments].sort((a, b) => a.range.start.offset - b.range.start.offset);
  }

  /** True when a comment not yet printed starts in `[from, to)`. */
  hasPendingCommentBetween(from: number, to: number): boolean {
    for (let i = this.nextComment; i < this.comments.length; i++) {
      const offset = (this.comments[i] as CommentNode).range.start.offset;
      if (offset >= to) return false;
      if (offset >= from) return true;
    }
    return false;
  }

  /** A trailing comment has code before it on its line. */
  private isTrailing(comment: CommentNode): boolean {
    const offset = comment.range.start.offset;
    const text = this.sourceText;
    const lineStart = Math.max(text.lastIndexOf('\n', offset - 1), text.lastIndexOf('\r', offset - 1)) + 1;
    return /\S/.test(text.slice(lineStart, offset));
  }

  /** Prints every comment that starts before `offset`, at `indent` (those that are not trailing). */
  flushComments(offset: number, indent: number): void {
    while (this.nextComment < this.comments.length) {
      const comment = this.comments[this.nextComment] as CommentNode;
      if (comment.range.start.offset >= offset) break;
      this.nextComment++;
      const text = `#${comment.text.trimEnd()}`;
      const index = this.lastLineBySourceLine.get(comment.range.start.line);
      const target = index === undefined ? undefined : this.lines[index];
      if (this.isTrailing(comment) && target && target.comment === undefined) {
        target.comment = text;
      } else {
        const line = comment.range.start.line;
        this.push(indent, text, line, line, line > this.lastSourceLine, line <= this.lastSourceLine);
      }
    }
  }

  /**
   * Prints one line of a list (header, config field, statement, or the first line of a section/compound
   * statement) after the comments that precede it. `start` locates the thing in the source; `endLine` is
   * the source line of the output line's last token.
   */
  item(indent: number, text: string, start: { line: number; offset: number }, endLine: number): void {
    this.flushComments(start.offset, indent);
    this.push(indent, text, start.line, endLine, true);
  }

  /** A line that continues the current construct (`}`, `} else {`): never preceded by a blank line. */
  continuation(indent: number, text: string, endLine: number): void {
    this.push(indent, text, endLine, endLine, false);
  }

  /** The next line opens a block: no blank line directly after it. */
  openBlock(): void {
    this.atBlockStart = true;
  }

  /** The next item starts a new top-level section: exactly one blank line before it (and its comments). */
  breakSection(): void {
    this.sectionBreak = true;
  }

  /** The output text: lines joined with `\n`, ending with one newline (empty for an empty module). */
  toString(): string {
    const texts = this.lines.map((l) => (l === null ? '' : l.comment ? `${l.text} ${l.comment}` : l.text));
    return texts.length === 0 ? '' : `${texts.join('\n')}\n`;
  }

  private push(
    indent: number,
    text: string,
    startLine: number,
    endLine: number,
    mayBreak: boolean,
    displaced = false,
  ): void {
    const previous = this.lines[this.lines.length - 1];
    if (previous !== undefined && previous !== null) {
      const keptBlank = mayBreak && !this.atBlockStart && startLine > this.lastSourceLine + 1;
      if (this.sectionBreak || keptBlank) this.lines.push(null);
    }
    this.sectionBreak = false;
    this.atBlockStart = false;
    this.lines.push({ text: indentUnit.repeat(indent) + text });
    this.lastLineBySourceLine.set(endLine, this.lines.length - 1);
    // A comment moved out of a joined expression sits after code from later lines: it must not make the
    // next item look as if a blank line preceded it.
    this.lastSourceLine = displaced ? Math.max(this.lastSourceLine, endLine) : Math.max(endLine, startLine);
  }
}
