;; SIMD kernels of the spherical max filter (src/filters/max-filter.ts). All offsets are byte
;; offsets into this module's memory; arrays are float32, rows are x-fastest.
(module
  (memory (export "memory") 1 65536)

  ;; reflect an index into [0, n) the way scipy's 'reflect' mode does (d c b a | a b c d | d c b a),
  ;; repeatedly, so that kernels larger than the box work too
  (func $reflect (param $i i32) (param $n i32) (result i32)
    (block $done (loop $l
      (if (i32.lt_s (local.get $i) (i32.const 0))
        (then (local.set $i (i32.sub (i32.const -1) (local.get $i))) (br $l)))
      (br_if $done (i32.lt_s (local.get $i) (local.get $n)))
      (local.set $i (i32.sub (i32.sub (i32.shl (local.get $n) (i32.const 1)) (local.get $i)) (i32.const 1)))
      (br $l)))
    (local.get $i))

  ;; dst[i] = max(dst[i], src[i]) for i in [0, n)
  (func $maxInto (export "maxInto") (param $dst i32) (param $src i32) (param $n i32)
    (local $end i32) (local $end4 i32)
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $end4 (i32.add (local.get $dst) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $d4 (loop $l4
      (br_if $d4 (i32.ge_u (local.get $dst) (local.get $end4)))
      (v128.store (local.get $dst) (f32x4.max (v128.load (local.get $dst)) (v128.load (local.get $src))))
      (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
      (local.set $src (i32.add (local.get $src) (i32.const 16)))
      (br $l4)))
    (block $d1 (loop $l1
      (br_if $d1 (i32.ge_u (local.get $dst) (local.get $end)))
      (f32.store (local.get $dst) (f32.max (f32.load (local.get $dst)) (f32.load (local.get $src))))
      (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
      (local.set $src (i32.add (local.get $src) (i32.const 4)))
      (br $l1))))

  ;; running maximum of every row of an nx*ny plane with window [-w, w] and mirrored ends
  (func (export "rowMaxPlane") (param $dst i32) (param $src i32) (param $nx i32) (param $ny i32) (param $w i32)
    (local $y i32) (local $x i32) (local $t i32) (local $row i32) (local $out i32)
    (local $acc v128) (local $m f32) (local $xEnd4 i32) (local $rowBytes i32)
    (local.set $rowBytes (i32.shl (local.get $nx) (i32.const 2)))
    (local.set $y (i32.const 0))
    (block $rowsDone (loop $rows
      (br_if $rowsDone (i32.ge_s (local.get $y) (local.get $ny)))
      (local.set $row (i32.add (local.get $src) (i32.mul (local.get $y) (local.get $rowBytes))))
      (local.set $out (i32.add (local.get $dst) (i32.mul (local.get $y) (local.get $rowBytes))))
      ;; scalar, mirrored: every x (used where the window leaves the row, or the row is short)
      (local.set $x (i32.const 0))
      (block $sDone (loop $s
        (br_if $sDone (i32.ge_s (local.get $x) (local.get $nx)))
        (if (i32.or (i32.lt_s (local.get $x) (local.get $w))
                    (i32.ge_s (i32.add (local.get $x) (local.get $w)) (local.get $nx)))
          (then
            (local.set $m (f32.const -inf))
            (local.set $t (i32.sub (local.get $x) (local.get $w)))
            (block $tDone (loop $tl
              (br_if $tDone (i32.gt_s (local.get $t) (i32.add (local.get $x) (local.get $w))))
              (local.set $m (f32.max (local.get $m)
                (f32.load (i32.add (local.get $row) (i32.shl (call $reflect (local.get $t) (local.get $nx)) (i32.const 2))))))
              (local.set $t (i32.add (local.get $t) (i32.const 1)))
              (br $tl)))
            (f32.store (i32.add (local.get $out) (i32.shl (local.get $x) (i32.const 2))) (local.get $m))))
        (local.set $x (i32.add (local.get $x) (i32.const 1)))
        (br $s)))
      ;; SIMD interior: x in [w, nx - w - 1], four at a time, the rest scalar
      (local.set $x (local.get $w))
      (local.set $xEnd4 (i32.sub (i32.sub (local.get $nx) (local.get $w)) (i32.const 4)))
      (block $vDone (loop $v
        (br_if $vDone (i32.gt_s (local.get $x) (local.get $xEnd4)))
        (local.set $acc (v128.load (i32.add (local.get $row) (i32.shl (i32.sub (local.get $x) (local.get $w)) (i32.const 2)))))
        (local.set $t (i32.sub (i32.const 1) (local.get $w)))
        (block $tvDone (loop $tv
          (br_if $tvDone (i32.gt_s (local.get $t) (local.get $w)))
          (local.set $acc (f32x4.max (local.get $acc)
            (v128.load (i32.add (local.get $row) (i32.shl (i32.add (local.get $x) (local.get $t)) (i32.const 2))))))
          (local.set $t (i32.add (local.get $t) (i32.const 1)))
          (br $tv)))
        (v128.store (i32.add (local.get $out) (i32.shl (local.get $x) (i32.const 2))) (local.get $acc))
        (local.set $x (i32.add (local.get $x) (i32.const 4)))
        (br $v)))
      (block $rDone (loop $r
        (br_if $rDone (i32.ge_s (i32.add (local.get $x) (local.get $w)) (local.get $nx)))
        (local.set $m (f32.const -inf))
        (local.set $t (i32.sub (local.get $x) (local.get $w)))
        (block $trDone (loop $tr
          (br_if $trDone (i32.gt_s (local.get $t) (i32.add (local.get $x) (local.get $w))))
          (local.set $m (f32.max (local.get $m) (f32.load (i32.add (local.get $row) (i32.shl (local.get $t) (i32.const 2))))))
          (local.set $t (i32.add (local.get $t) (i32.const 1)))
          (br $tr)))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $x) (i32.const 2))) (local.get $m))
        (local.set $x (i32.add (local.get $x) (i32.const 1)))
        (br $r)))
      (local.set $y (i32.add (local.get $y) (i32.const 1)))
      (br $rows))))

  ;; dst row y = max(dst row y, src row reflect(y + dy)) for every row of an nx*ny plane
  (func (export "maxPlaneShifted") (param $dst i32) (param $src i32) (param $nx i32) (param $ny i32) (param $dy i32)
    (local $y i32) (local $rowBytes i32)
    (local.set $rowBytes (i32.shl (local.get $nx) (i32.const 2)))
    (block $done (loop $l
      (br_if $done (i32.ge_s (local.get $y) (local.get $ny)))
      (call $maxInto
        (i32.add (local.get $dst) (i32.mul (local.get $y) (local.get $rowBytes)))
        (i32.add (local.get $src) (i32.mul (call $reflect (i32.add (local.get $y) (local.get $dy)) (local.get $ny)) (local.get $rowBytes)))
        (local.get $nx))
      (local.set $y (i32.add (local.get $y) (i32.const 1)))
      (br $l))))
)
