// QEMU's QKeyCode names (as QMP input-send-event and send-key take them) → Linux input
// event codes, which is what a virtio keyboard reports.
const LETTERS = "qwertyuiop"; // row 16..25
const ROW2 = "asdfghjkl";     // 30..38
const ROW3 = "zxcvbnm";       // 44..50

const TABLE: Record<string, number> = {
  esc: 1, "1": 2, "2": 3, "3": 4, "4": 5, "5": 6, "6": 7, "7": 8, "8": 9, "9": 10, "0": 11, minus: 12, equal: 13,
  backspace: 14, tab: 15, bracket_left: 26, bracket_right: 27, ret: 28, ctrl: 29, semicolon: 39, apostrophe: 40,
  grave_accent: 41, shift: 42, backslash: 43, comma: 51, dot: 52, slash: 53, shift_r: 54, kp_multiply: 55, alt: 56,
  spc: 57, caps_lock: 58, f1: 59, f2: 60, f3: 61, f4: 62, f5: 63, f6: 64, f7: 65, f8: 66, f9: 67, f10: 68,
  num_lock: 69, scroll_lock: 70, kp_7: 71, kp_8: 72, kp_9: 73, kp_subtract: 74, kp_4: 75, kp_5: 76, kp_6: 77,
  kp_add: 78, kp_1: 79, kp_2: 80, kp_3: 81, kp_0: 82, kp_decimal: 83, less: 86, f11: 87, f12: 88, kp_enter: 96,
  ctrl_r: 97, kp_divide: 98, print: 99, alt_r: 100, home: 102, up: 103, pgup: 104, left: 105, right: 106, end: 107,
  down: 108, pgdn: 109, insert: 110, delete: 111, mute: 113, volumedown: 114, volumeup: 115, power: 116,
  kp_equals: 117, pause: 119, meta_l: 125, meta_r: 126, menu: 139, sleep: 142, wake: 143,
};
[...LETTERS].forEach((c, i) => { TABLE[c] = 16 + i; });
[...ROW2].forEach((c, i) => { TABLE[c] = 30 + i; });
[...ROW3].forEach((c, i) => { TABLE[c] = 44 + i; });

export function qcodeToLinux(qcode: string): number | undefined {
  return Object.prototype.hasOwnProperty.call(TABLE, qcode) ? TABLE[qcode] : undefined;
}
export const QCODES = Object.keys(TABLE);
