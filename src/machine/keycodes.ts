// QEMU 7.2's QKeyCode enum (the names QMP input-send-event takes), in QEMU's order, each with the
// Linux input event code a virtio keyboard reports for it (0: no Linux key; sending it is an error).
// The QMP schema's QKeyCode enum and the keyboard's translation both read this one table.
// biome-ignore format: a table of names, kept filled to the line width rather than one per line
const QKEY_TABLE: readonly (readonly [string, number])[] = [
  ["unmapped", 0], ["pause", 119], ["ro", 0], ["kp_comma", 0], ["kp_equals", 117], ["power", 116], ["sleep", 142],
  ["wake", 143], ["suspend", 0], ["shift", 42], ["shift_r", 54], ["alt", 56], ["alt_r", 100], ["ctrl", 29],
  ["ctrl_r", 97], ["menu", 139], ["esc", 1], ["1", 2], ["2", 3], ["3", 4], ["4", 5], ["5", 6], ["6", 7], ["7", 8],
  ["8", 9], ["9", 10], ["0", 11], ["minus", 12], ["equal", 13], ["backspace", 14], ["tab", 15], ["q", 16], ["w", 17],
  ["e", 18], ["r", 19], ["t", 20], ["y", 21], ["u", 22], ["i", 23], ["o", 24], ["p", 25], ["bracket_left", 26],
  ["bracket_right", 27], ["ret", 28], ["a", 30], ["s", 31], ["d", 32], ["f", 33], ["g", 34], ["h", 35], ["j", 36],
  ["k", 37], ["l", 38], ["semicolon", 39], ["apostrophe", 40], ["grave_accent", 41], ["backslash", 43], ["z", 44],
  ["x", 45], ["c", 46], ["v", 47], ["b", 48], ["n", 49], ["m", 50], ["comma", 51], ["dot", 52], ["slash", 53],
  ["asterisk", 0], ["spc", 57], ["caps_lock", 58], ["f1", 59], ["f2", 60], ["f3", 61], ["f4", 62], ["f5", 63],
  ["f6", 64], ["f7", 65], ["f8", 66], ["f9", 67], ["f10", 68], ["num_lock", 69], ["scroll_lock", 70],
  ["kp_divide", 98], ["kp_multiply", 55], ["kp_subtract", 74], ["kp_add", 78], ["kp_enter", 96], ["kp_decimal", 83],
  ["sysrq", 0], ["kp_0", 82], ["kp_1", 79], ["kp_2", 80], ["kp_3", 81], ["kp_4", 75], ["kp_5", 76], ["kp_6", 77],
  ["kp_7", 71], ["kp_8", 72], ["kp_9", 73], ["less", 86], ["f11", 87], ["f12", 88], ["print", 99], ["home", 102],
  ["pgup", 104], ["pgdn", 109], ["end", 107], ["left", 105], ["up", 103], ["down", 108], ["right", 106],
  ["insert", 110], ["delete", 111], ["stop", 0], ["again", 0], ["props", 0], ["undo", 0], ["front", 0], ["copy", 0],
  ["open", 0], ["paste", 0], ["find", 0], ["cut", 0], ["lf", 0], ["help", 0], ["meta_l", 125], ["meta_r", 126],
  ["compose", 0], ["hiragana", 0], ["henkan", 0], ["yen", 0], ["muhenkan", 0], ["katakanahiragana", 0],
  ["audionext", 0], ["audioprev", 0], ["audiostop", 0], ["audioplay", 0], ["audiomute", 113], ["volumeup", 115],
  ["volumedown", 114], ["mediaselect", 0], ["mail", 0], ["calculator", 0], ["computer", 0], ["ac_home", 0],
  ["ac_back", 0], ["ac_forward", 0], ["ac_refresh", 0], ["ac_bookmarks", 0], ["lang1", 0], ["lang2", 0], ["f13", 0],
  ["f14", 0], ["f15", 0], ["f16", 0], ["f17", 0], ["f18", 0], ["f19", 0], ["f20", 0], ["f21", 0], ["f22", 0],
  ["f23", 0], ["f24", 0],
];

/** Every QKeyCode name, in QEMU's enum order (for the QMP schema). */
export const QKEY_CODES: readonly string[] = QKEY_TABLE.map(([name]) => name);

const TO_LINUX = new Map(QKEY_TABLE.filter(([, code]) => code !== 0));

/** The Linux input event code of a qcode, or undefined when it has none (or is no qcode). */
export function qcodeToLinux(qcode: string): number | undefined {
  return TO_LINUX.get(qcode);
}
