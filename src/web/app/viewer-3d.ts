/**
 * The 3D tab: Mol*'s Viewer showing the input map (or a modified map) as an isosurface coloured
 * by the scale map with Mol*'s `external-volume` colour theme (palette and range as in the
 * ChimeraX script), an iso-level control and a sphere marking the s_max tile.
 *
 * This module imports Mol*; the page loads it with a dynamic `import()` when the 3D tab opens.
 */
import 'molstar/build/viewer/molstar.css';
import { Viewer } from 'molstar/lib/apps/viewer/app.js';
import { Volume } from 'molstar/lib/mol-model/volume.js';
import { createVolumeRepresentationParams } from 'molstar/lib/mol-plugin-state/helpers/volume-representation-params.js';
import { StateTransforms } from 'molstar/lib/mol-plugin-state/transforms.js';
import type { PluginStateObject } from 'molstar/lib/mol-plugin-state/objects.js';
import type { StateObjectSelector } from 'molstar/lib/mol-state/index.js';
import { Color } from 'molstar/lib/mol-util/color/index.js';
import type { ColorListEntry } from 'molstar/lib/mol-util/color/color.js';
import { ShapeRepresentation } from 'molstar/lib/mol-repr/shape/representation.js';
import { Shape } from 'molstar/lib/mol-model/shape.js';
import { Mesh } from 'molstar/lib/mol-geo/geometry/mesh/mesh.js';
import { MeshBuilder } from 'molstar/lib/mol-geo/geometry/mesh/mesh-builder.js';
import { addSphere } from 'molstar/lib/mol-geo/geometry/mesh/builder/sphere.js';
import { Vec3 } from 'molstar/lib/mol-math/linear-algebra.js';
import { Sphere3D } from 'molstar/lib/mol-math/geometry.js';
import { ParamDefinition as PD } from 'molstar/lib/mol-util/param-definition.js';
import { SCALE_STOPS, MIN_VIS_SCALE, UNDER_RANGE_RGB } from './colormap.js';

/** What to show. */
export interface Scene3D {
  /** URL of the map drawn as the isosurface (input or a modified map). */
  mapUrl: string;
  /** URL of the map that colours the surface (a scale map, or a local-resolution map in Å). */
  scaleUrl?: string;
  /** Palette of the colouring map and its value range (default: the scale palette over [MIN_VIS_SCALE, 1]). */
  colouring?: { palette: 'scale' | 'resolution'; lo: number; hi: number };
  /**
   * Where the colouring map says nothing (outside a half-map run's mask, where a local-resolution
   * map holds only its background value): 1 per voxel of the input's box `box` [nx, ny, nz],
   * index (z*ny + y)*nx + x. The surface there takes the under-range grey, not a palette colour.
   */
  outside?: { mask: Uint8Array; box: [number, number, number]; key: string };
  /** Iso level in density units. */
  level: number;
  /** The s_max tile: centre in Å (map frame) and radius in Å. */
  maxTile?: { centreA: [number, number, number]; radiusA: number };
}

type VolumeSelector = StateObjectSelector<PluginStateObject.Volume.Data>;

/** Data of the s_max tile mark. */
interface TileData {
  centre: Vec3;
  radius: number;
}

/** Palette of the scale map as Mol* colour-list entries (colour, position in [0, 1]). */
const SCALE_COLOURS: ColorListEntry[] = SCALE_STOPS.map((s) => [Color.fromRgb(s.rgb[0], s.rgb[1], s.rgb[2]), s.position]);

/** The scale palette reversed (fine resolution = blue) for local-resolution maps. */
const RESOLUTION_COLOURS: ColorListEntry[] = SCALE_STOPS.map((s) => [Color.fromRgb(s.rgb[0], s.rgb[1], s.rgb[2]), 1 - s.position] as ColorListEntry).reverse();

/**
 * Set the colouring volume to NaN at the voxels marked in `outside` (in place; Mol*'s
 * external-volume theme draws NaN in its defaultColor, the under-range grey).
 * @param outside 1 per voxel of `box` [nx, ny, nz], index (z*ny + y)*nx + x
 * @throws Error when the volume's box is not `box`
 */
function blankOutside(volume: Volume, outside: Uint8Array, box: [number, number, number]): void {
  const { space, data } = volume.grid.cells;
  const [nx, ny, nz] = box;
  if (space.dimensions[0] !== nx || space.dimensions[1] !== ny || space.dimensions[2] !== nz) {
    throw new Error(`the colouring map's box ${space.dimensions.join('x')} is not the map's ${box.join('x')}`);
  }
  for (let z = 0, i = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++, i++) if (outside[i]) space.set(data, x, y, z, NaN);
}

/** A Mol* viewer inside a page element. */
export class Viewer3D {
  private surface?: StateObjectSelector;
  private tileRepr?: ShapeRepresentation<TileData, Mesh, Mesh.Params>;
  private loadedKey = '';

  private constructor(readonly viewer: Viewer) {}

  /** Create the viewer in the element with id `elementId` (no panels, no remote services). */
  static async create(elementId: string): Promise<Viewer3D> {
    const viewer = await Viewer.create(elementId, {
      layoutIsExpanded: false,
      layoutShowControls: false,
      layoutShowSequence: false,
      layoutShowLog: false,
      layoutShowLeftPanel: false,
      layoutShowRemoteState: false,
      viewportShowExpand: false,
      viewportShowSelectionMode: false,
      viewportShowAnimation: false,
      viewportShowTrajectoryControls: false,
      viewportBackgroundColor: '#ffffff',
      volumeStreamingDisabled: true,
      extensions: [],
    });
    return new Viewer3D(viewer);
  }

  private get plugin() {
    return this.viewer.plugin;
  }

  private async loadVolume(url: string, label: string): Promise<VolumeSelector> {
    const data = await this.plugin.builders.data.download({ url, isBinary: true, label }, { state: { isGhost: true } });
    const provider = this.plugin.dataFormats.get('ccp4');
    if (!provider) throw new Error('Mol* has no CCP4/MRC reader');
    const parsed = (await provider.parse(this.plugin, data, { entryId: label })) as { volume: VolumeSelector };
    return parsed.volume;
  }

  /** Show a scene: reloads the volumes when the URLs changed, else only updates the level. */
  async show(scene: Scene3D): Promise<void> {
    const c = scene.colouring ?? { palette: 'scale' as const, lo: MIN_VIS_SCALE, hi: 1 };
    const key = `${scene.mapUrl}|${scene.scaleUrl ?? ''}|${c.palette}|${c.lo}|${c.hi}|${scene.outside?.key ?? ''}`;
    if (key === this.loadedKey && this.surface) {
      await this.setLevel(scene.level);
      this.setMaxTile(scene.maxTile);
      return;
    }
    await this.plugin.clear();
    this.surface = undefined;
    this.loadedKey = '';
    const map = await this.loadVolume(scene.mapUrl, 'map');
    const scale = scene.scaleUrl ? await this.loadVolume(scene.scaleUrl, 'scale') : undefined;
    // NaN where the colouring map says nothing: Mol*'s external-volume theme gives it defaultColor
    if (scale && scene.outside) blankOutside(scale.data as Volume, scene.outside.mask, scene.outside.box);
    const volume = map.data as Volume | undefined;
    const params = createVolumeRepresentationParams(this.plugin, volume, {
      type: 'isosurface',
      typeParams: { isoValue: Volume.IsoValue.absolute(scene.level), alpha: 1 },
      ...(scale
        ? {
            color: 'external-volume' as const,
            colorParams: {
              volume: { ref: scale.ref, getValue: () => scale.data as Volume },
              coloring: {
                name: 'absolute-value' as const,
                params: { domain: { name: 'custom' as const, params: [c.lo, c.hi] as [number, number] }, list: { kind: 'interpolate' as const, colors: c.palette === 'resolution' ? RESOLUTION_COLOURS : SCALE_COLOURS } },
              },
              defaultColor: Color.fromRgb(UNDER_RANGE_RGB[0], UNDER_RANGE_RGB[1], UNDER_RANGE_RGB[2]),
              normalOffset: 0,
              usePalette: false,
            },
          }
        : { color: 'uniform' as const, colorParams: { value: Color(0xd3d7cf) } }),
    });
    const surface = await this.plugin.build().to(map).apply(StateTransforms.Representation.VolumeRepresentation3D, params).commit();
    this.surface = surface;
    this.loadedKey = key;
    this.setMaxTile(scene.maxTile);
    this.focus(volume, scene.level);
  }

  /** Point the camera at the part of the map above the level (the box itself is mostly solvent). */
  private focus(volume: Volume | undefined, level: number): void {
    if (!volume) return;
    const sphere = Volume.Isosurface.getBoundingSphere(volume, Volume.IsoValue.absolute(level));
    if (!(sphere.radius > 0)) {
      this.plugin.managers.camera.reset();
      return;
    }
    this.plugin.managers.camera.focusSphere(Sphere3D.create(sphere.center, sphere.radius * 1.1), { durationMs: 0 });
  }

  /** Change the iso level (density units) of the surface. */
  async setLevel(level: number): Promise<void> {
    if (!this.surface) return;
    await this.plugin
      .build()
      .to(this.surface)
      .update(StateTransforms.Representation.VolumeRepresentation3D, (old) => {
        old.type.params.isoValue = Volume.IsoValue.absolute(level);
        return old;
      })
      .commit();
  }

  /** Whether the s_max tile's sphere is drawn now. */
  get tileShown(): boolean {
    return this.tileRepr !== undefined;
  }

  /** Mark the s_max tile with a translucent sphere (or remove the mark). */
  setMaxTile(tile: Scene3D['maxTile']): void {
    const canvas3d = this.plugin.canvas3d;
    if (!canvas3d) return;
    if (this.tileRepr) {
      canvas3d.remove(this.tileRepr);
      this.tileRepr.destroy();
      this.tileRepr = undefined;
      canvas3d.requestDraw();
    }
    if (!tile) return;
    const centre = Vec3.create(tile.centreA[0], tile.centreA[1], tile.centreA[2]);
    const colour = Color(0x4d6edf);
    const repr = ShapeRepresentation<TileData, Mesh, Mesh.Params>((_ctx, data, _props, shape) => {
      const state = MeshBuilder.createState(1024, 512, shape?.geometry);
      state.currentGroup = 0;
      addSphere(state, data.centre, data.radius, 3);
      const mesh = MeshBuilder.getMesh(state);
      return Shape.create('s_max tile', data, mesh, () => colour, () => 1, () => 's_max tile (the full-scale reference region)');
    }, Mesh.Utils);
    const props = { ...PD.getDefaultValues(Mesh.Params), alpha: 0.45 };
    void repr
      .createOrUpdate(props, { centre, radius: tile.radiusA })
      .run()
      .then(() => {
        canvas3d.add(repr);
        canvas3d.requestDraw();
      });
    this.tileRepr = repr;
  }

  /** The current view as a PNG data URL. */
  async snapshot(): Promise<string> {
    // Mol*'s WebGL context keeps its drawing buffer (preserveDrawingBuffer): draw, then read it
    const canvas = this.plugin.canvas3dContext?.canvas;
    if (!canvas) throw new Error('the 3D view is not ready');
    this.plugin.canvas3d?.commit(true);
    return canvas.toDataURL('image/png');
  }

  /** Resize after the container became visible. */
  resize(): void {
    this.viewer.handleResize();
  }
}
